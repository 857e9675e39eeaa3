"""The bundled example mix (package data) and the script that makes it: see README.md."""
