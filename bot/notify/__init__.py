"""Weekly digest mail: rendering (Jinja2 templates shipped in the package), the trend chart
as a PNG, MIME assembly with the list headers, and sending over SMTP with aiosmtplib."""
