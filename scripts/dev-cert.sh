#!/usr/bin/env bash
# Local development certificates, made with openssl (never for production):
#   scripts/dev-cert.sh [DIR]      default DIR: deploy/tls (git-ignored); extra server names: RA_CERT_NAMES="api.local,10.0.0.5"
#
#   ca.crt / ca.key                 a development CA (trust ca.crt in your client: curl --cacert deploy/tls/ca.crt ...)
#   server.crt / server.key         HTTPS server certificate for localhost, 127.0.0.1, lb and RA_CERT_NAMES (nginx, Kestrel PEM)
#   server.pfx                      the same as PKCS#12 (ReturnsActors:Http:Https:CertificateFile)
#   cluster.pfx                     silo-to-silo TLS, server and client auth (ReturnsActors:Silo:Tls:CertificateFile)
#   dataprotection.pfx              RSA certificate that encrypts the Data Protection key ring (ReturnsActors:DataProtection:CertificateFile)
#   pfx-password                    the password of the .pfx files (…:CertificatePassword_FILE)
# An existing CA is reused, so clients that trust it keep working; delete DIR to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-deploy/tls}
days=${RA_CERT_DAYS:-397}
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/pfx-password" ]; then
  openssl rand -hex 16 > "$dir/pfx-password"
fi
password=$(cat "$dir/pfx-password")

if [ ! -f "$dir/ca.key" ] || [ ! -f "$dir/ca.crt" ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 1825 -subj "/CN=ReturnsActors development CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

san="DNS:localhost,DNS:lb,IP:127.0.0.1"
IFS=',' read -ra extra <<< "${RA_CERT_NAMES:-}"
for name in "${extra[@]}"; do
  [ -z "$name" ] && continue
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san="$san,IP:$name"; else san="$san,DNS:$name"; fi
done

# issue NAME CN SAN EKU: a key and a certificate signed by the development CA, plus a PKCS#12 bundle.
issue() {
  local name=$1 cn=$2 names=$3 eku=$4
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$eku" "$names" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  openssl pkcs12 -export -in "$dir/$name.crt" -inkey "$dir/$name.key" -certfile "$dir/ca.crt" \
    -passout "pass:$password" -out "$dir/$name.pfx"
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

issue server "localhost" "$san" "serverAuth"
issue cluster "returnsactors-silo" "DNS:returnsactors-silo,$san" "serverAuth,clientAuth"
issue dataprotection "returnsactors-data-protection" "DNS:returnsactors-data-protection" "emailProtection"
rm -f "$dir/ca.srl"
# The containers (nginx, the silos' non-root user) read these through bind mounts, so the files are readable; the directory
# stays private to you, and the CA key is yours alone.
chmod 700 "$dir"
chmod 644 "$dir"/*.crt "$dir"/*.key "$dir"/*.pfx "$dir/pfx-password"
chmod 600 "$dir/ca.key"

echo "development certificates in $dir (CA: $dir/ca.crt, valid $days days):"
openssl x509 -in "$dir/server.crt" -noout -subject -ext subjectAltName | sed 's/^/  server: /'
