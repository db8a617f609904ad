# Certificates and kubeconfigs of the local cluster (openssl; one CA, kept across restarts,
# removed by --purge). Sourced by cluster/up.sh.

# cert NAME CN ORG [SAN]  — key and certificate signed by the cluster CA.
cert() {
  local name=$1 cn=$2 org=$3 san=${4:-} ext
  [ -f "$PKI/$name.crt" ] && return 0
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$ext"
  local subj="/CN=$cn"; [ -n "$org" ] && subj="/O=$org/CN=$cn"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" \
    -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$ext" "$PKI/$name.csr"
}

kubeconfig() {
  local file=$1 name=$2 server=$3
  [ -f "$file" ] && return 0
  (umask 077 && cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: p5
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 <"$PKI/$name.crt")
      client-key-data: $(base64 -w0 <"$PKI/$name.key")
contexts:
  - name: p5
    context: {cluster: p5, user: $name}
current-context: p5
YAML
  )
}

ensure_pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=phase5-local-cluster-ca" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  fi
  # The host reaches the API through 127.0.0.1, pods through the service IP, the node by its IP.
  cert kube-apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$API_SERVICE_IP"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert admin p5-admin system:masters
  cert kube-controller-manager system:kube-controller-manager ""
  cert kube-scheduler system:kube-scheduler ""
  cert kubelet "system:node:$NODE_NAME" system:nodes "DNS:$NODE_NAME,IP:$NODE_IP"
  cert kube-proxy system:kube-proxy ""
  cert kube-router kube-router ""
  [ -f "$PKI/sa.key" ] || openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  [ -f "$PKI/sa.pub" ] || openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  local inside="https://$NODE_IP:6443"
  kubeconfig "$CSTATE/kubeconfig" admin "https://127.0.0.1:$API_HOST_PORT"
  kubeconfig "$CSTATE/kubeconfig-node-admin" admin "$inside"
  for c in kube-controller-manager kube-scheduler kubelet kube-proxy kube-router; do
    kubeconfig "$CSTATE/kubeconfig-$c" "$c" "$inside"
  done
}
