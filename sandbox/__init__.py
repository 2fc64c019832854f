"""The e-commerce role-play sandbox engine: a plain Python package (no Streamlit, except ``sandbox.ui``)."""
