"""CA module (CA证书): the CA centre where students apply for a certificate (CA001), verify the
download with certificate number and download password (CA002) and download it as a
password-protected PKCS#12 file (CA003); and the CA officer's desk (list, revoke, new download
password, grant the officer role).

The cryptography and the certificate store are ``sandbox.pki``; this package adds the task
services, the state table, the read models for the pages and the check kinds (``checks``).
"""
