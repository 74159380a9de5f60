#!/bin/sh
# Regenerate the PEM seed corpus (the INI seeds are plain text, edited by hand).
set -eu
cd "$(dirname "$0")/pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
    -out ec.crt -subj /CN=seed -days 30 2>/dev/null
cat ec.crt ec.key > ec-pair.pem
openssl pkcs8 -topk8 -in ec.key -passout pass:pw -v2 aes-256-cbc -out enc.key
openssl x509 -in ec.crt -outform der -out ec.der
rm ec.key
