"""PKI: the sandbox certificate authority (keys, CSR, issue, PKCS#12, revoke/CRL, sign/verify).

Everything is real X.509 made with ``cryptography`` (≥ 45): tools we did not write (``openssl
verify``, ``openssl pkcs12``, ``openssl dgst``) accept what we produce.

Design:
- **One root CA per class** (tenant), created lazily in the first transaction that needs it:
  self-signed, RSA-3072, 10 years, critical ``BasicConstraints(ca=True, path_length=0)``,
  critical ``KeyUsage(keyCertSign, cRLSign)``, SKI. A certificate of another class therefore
  fails chain verification exactly like one from a foreign CA. The class root signs the leaf
  certificates and the class CRL directly (no intermediate), so ``openssl verify -CAfile
  ca-root.pem cert.pem`` works with the two published files.
- **Keys at rest**: CA private keys, system-party keys and CA-generated leaf keys are stored
  encrypted with AES-256-GCM under a master key derived (HKDF-SHA256) from ``SANDBOX_SECRET_KEY``
  or, when that is unset, from the key file ``<data folder>/secret.key`` (32 random bytes,
  created with mode 0600 on first use). Several app replicas on one PostgreSQL database must
  share ``SANDBOX_SECRET_KEY``. Losing the key makes the stored CA keys unusable
  (``pki.ca_key_unavailable``): back it up with the database.
- **Leaf certificates**: X.509 v3, random 159-bit serial (``x509.random_serial_number``), a
  12-digit 证书编号 (``number``, unique in the installation, also in the subject's
  ``serialNumber``), SAN (the e-mail as RFC822Name, else the subject as DirectoryName),
  critical ``BasicConstraints(ca=False)``, critical ``KeyUsage(digitalSignature,
  contentCommitment)``, ``ExtendedKeyUsage(clientAuth, emailProtection)``, SKI, AKI; 1 year,
  never beyond the root. Keys: RSA-2048 made by the CA, or the applicant's own key from a
  PKCS#10 CSR (RSA 2048–8192 or EC P-256/P-384; the CSR's self-signature must verify).
- **Download password**: 10 ASCII characters (no look-alikes), shown once and mailed; stored
  only as an HMAC-SHA256 under the master key, with a counter of failed tries (5, then locked
  until a CA officer issues a new one) and an expiry (30 days). The .p12 is encrypted with it
  using PBES2/PBKDF2/AES-256-CBC and a SHA-256 MAC.
- **Signatures**: RSA-PSS with MGF1(SHA-256), SHA-256, salt length = 32 (digest length);
  verification accepts any PSS salt length (``PSS.AUTO``), so ``openssl dgst -sha256 -sign key
  -sigopt rsa_padding_mode:pss`` output verifies too. EC keys (from CSRs) use ECDSA-SHA-256
  (DER). Check with OpenSSL::

      openssl dgst -sha256 -verify pub.pem -sigopt rsa_padding_mode:pss \\
          -sigopt rsa_pss_saltlen:-1 -signature data.sig data

- **Revocation**: a CRL per class root (CRLNumber increasing, AKI, reason per entry,
  next update 7 days), regenerated on every revocation and whenever it is stale. The chain
  verifier of ``cryptography`` does no revocation checking; :func:`services.check_certificate`
  checks the CRL itself.
- **Certificate login** (challenge–response, the U-key flow): :func:`services.new_challenge`
  gives a random nonce bound to one certificate, single use, 5 minutes; the key of the .p12
  (or the identity installed in the student's sandbox certificate store) signs it; the server
  verifies the signature, the chain to the class root, validity, the CRL and that the
  certificate is one this class's CA issued.
- Timezone-aware UTC everywhere (``not_valid_before_utc``); ``not_valid_before`` is back-dated
  by one minute.

- **Challenges** older than a day are deleted when new ones are made (they are single use).

Modules: ``crypto`` (pure functions, no database), ``sealing`` (master key, sealed blobs,
password digests), ``models`` (tables), ``services`` (the public API other modules import).
The CA tasks, the officer's desk and the checks are ``sandbox.ca``.
"""
