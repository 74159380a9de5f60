#!/bin/sh
# certool_hostile.sh: what the VMCA refuses to sign (issue 11 items 7, 9,
# 10, 11, 12), checked through certool and openssl.
. "$top_srcdir/tests/e2e/certool_lib.sh"

succeeds "$CERTOOL" --selfca --config=ca.cfg
R="$VMCA_DATA_DIR/root.cer"

t "9: renewing the VMCA's own root needs --allow-ca"
fails 70012 "$CERTOOL" --renewcert --cert="$R" --outcert=root2.crt
has "$T/err" "--allow-ca"
absent root2.crt
succeeds "$CERTOOL" --renewcert --cert="$R" --outcert=root2.crt --allow-ca
"$OPENSSL" x509 -in root2.crt -noout -text >"$T/text"
has "$T/text" "CA:TRUE"

t "10: EC keys on other curves or with explicit parameters are not signed"
for spec in "secp256k1 named_curve" "brainpoolP256r1 named_curve" "prime256v1 explicit"; do
	set -- $spec
	"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$1" \
	    -pkeyopt ec_param_enc:"$2" -out "k-$1-$2.pem" 2>/dev/null
	"$OPENSSL" req -new -key "k-$1-$2.pem" -subj /CN=host1 -out "r-$1-$2.csr" 2>/dev/null
	fails 70009 "$CERTOOL" --gencertfromcsr --csrfile="r-$1-$2.csr" --cert="c-$1.crt"
	absent "c-$1.crt"
	fails 70009 "$CERTOOL" --gencert --privkey="k-$1-$2.pem" --cert="c-$1.crt" --config=host.cfg
	absent "c-$1.crt"
done
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem 2>/dev/null
succeeds "$CERTOOL" --gencert --privkey=p384.pem --cert=p384.crt --config=host.cfg

t "11: --gencert needs the private key of the certificate's public key"
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out victim.pem 2>/dev/null
# victim's n and e with made-up private parts, as a PKCS#1 key
n=$("$OPENSSL" rsa -in victim.pem -noout -modulus | cut -d= -f2)
cat >fake.asn1 <<ASN
asn1=SEQUENCE:k
[k]
v=INTEGER:0
n=INTEGER:0x$n
e=INTEGER:65537
d=INTEGER:3
p=INTEGER:5
q=INTEGER:7
dp=INTEGER:1
dq=INTEGER:1
qi=INTEGER:1
ASN
"$OPENSSL" asn1parse -genconf fake.asn1 -out fake.der -noout >/dev/null 2>&1
{ echo "-----BEGIN RSA PRIVATE KEY-----"; base64 -w 64 fake.der
  echo "-----END RSA PRIVATE KEY-----"; } >fake.pem
fails 70009 "$CERTOOL" --gencert --privkey=fake.pem --cert=fake.crt --config=host.cfg
has "$T/err" "does not sign for its public key"
absent fake.crt

t "7: CSR extensions beyond the leaf profile are refused, naming them"
"$CERTOOL" --genkey --privkey=k7.pem >/dev/null
for ext in "extendedKeyUsage=OCSPSigning|OCSP Signing" \
    "extendedKeyUsage=codeSigning|Code Signing" \
    "extendedKeyUsage=anyExtendedKeyUsage|Any Extended Key Usage" \
    "nsCertType=server|Netscape Cert Type" \
    "nameConstraints=permitted;DNS:example.com|X509v3 Name Constraints" \
    "keyUsage=digitalSignature,keyCertSign|keyUsage" \
    "keyUsage=digitalSignature,decipherOnly|keyUsage"; do
	spec=${ext%%|*}; name=${ext#*|}
	"$OPENSSL" req -new -key k7.pem -subj /CN=host7 -addext "$spec" -out r7.csr 2>/dev/null
	fails 70012 "$CERTOOL" --gencertfromcsr --csrfile=r7.csr --cert=c7.crt
	has "$T/err" "$name"
	absent c7.crt
done
t "7: --allow-extensions copies them"
"$OPENSSL" req -new -key k7.pem -subj /CN=host7 -addext extendedKeyUsage=codeSigning -out r7.csr 2>/dev/null
succeeds "$CERTOOL" --gencertfromcsr --csrfile=r7.csr --cert=c7.crt --allow-extensions
"$OPENSSL" x509 -in c7.crt -noout -text >"$T/text"
has "$T/text" "Code Signing"
rm -f c7.crt
t "7: the leaf profile is copied: SAN, KU, EKU serverAuth/clientAuth"
"$OPENSSL" req -new -key k7.pem -subj /CN=host7 -addext subjectAltName=DNS:host7.example.com \
    -addext keyUsage=digitalSignature,keyEncipherment \
    -addext extendedKeyUsage=serverAuth,clientAuth -out r7.csr 2>/dev/null
succeeds "$CERTOOL" --gencertfromcsr --csrfile=r7.csr --cert=c7.crt
"$OPENSSL" x509 -in c7.crt -noout -text >"$T/text"
has "$T/text" "DNS:host7.example.com"
has "$T/text" "TLS Web Server Authentication, TLS Web Client Authentication"
has "$T/text" "Digital Signature, Key Encipherment"


t "issue 11 item 6: a VMCA directory others can write is refused before anything in it is read"
chmod 0777 "$VMCA_DATA_DIR"
run "$CERTOOL" --getrootca
if [ "$rc" != 0 ]; then ok; else fail "exit 0 on a 0777 VMCA directory"; fi
has "$T/err" "writable by group or others"
hasnt "$T/out" "BEGIN CERTIFICATE"
chmod 0700 "$VMCA_DATA_DIR"
succeeds "$CERTOOL" --getrootca

finish
