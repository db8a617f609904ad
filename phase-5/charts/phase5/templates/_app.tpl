{{/*
One Dapr-enabled service: ServiceAccount, (local) secret-reading Role, Deployment, Service,
PodDisruptionBudget, HorizontalPodAutoscaler. Called by each service's own template file
with (dict "root" $ "svc" .Values.apps.<name>), plus "env" (a dict of extra Settings the
service's template computes, e.g. in-cluster URLs).
*/}}
{{- define "phase5.app" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $name := printf "%s-%s" $root.Release.Name $svc.appId -}}
{{- /* Azure: the ServiceAccount Terraform federated this app's identity to, and its client
id (terraform output helm_values); locally, the release-prefixed name. */ -}}
{{- $identity := get (($root.Values.azure).identities | default dict) $svc.appId | default dict -}}
{{- $sa := $identity.serviceAccount | default $name -}}
{{- $k8sSecrets := eq $root.Values.secretStore.type "kubernetes" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $sa }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
    {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 4 }}
  {{- if eq $root.Values.secretStore.type "azure.keyvault" }}
  annotations:
    azure.workload.identity/client-id: {{ required "azure.identities.<app>.clientId (or secretStore.keyVault.azureClientId)" ($identity.clientId | default $root.Values.secretStore.keyVault.azureClientId) | quote }}
  {{- end }}
# The token is mounted only where a sidecar reads Kubernetes Secrets (the `kubernetes`
# secret store); with Key Vault the workload-identity webhook projects its own token.
automountServiceAccountToken: {{ $k8sSecrets }}
{{- if $k8sSecrets }}
---
# The sidecar may read exactly the Secrets this app uses, nothing else.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}-secrets
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
    resourceNames: {{ include "phase5.secretNames" (dict "svc" $svc) }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}-secrets
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $name }}-secrets
subjects:
  - kind: ServiceAccount
    name: {{ $sa }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  {{- $extra := list }}
  {{- if $k8sSecrets }}
  {{- $extra = append $extra "CKV_K8S_38=the token is mounted for daprd's kubernetes secret store only (local), and its Role gets only this app's Secrets by name" }}
  {{- end }}
  annotations:
    {{- include "phase5.workloadSkips" (dict "digest" $root.Values.image.digest "extra" $extra) | nindent 4 }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
    {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 4 }}
spec:
  {{- if not $svc.hpa.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels:
        {{- include "phase5.labels" $root | nindent 8 }}
        {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 8 }}
        # NetworkPolicy keys: only labelled pods reach Kafka / PostgreSQL / the control plane.
        phase5.io/dapr: "true"
        {{- range $svc.clientOf }}
        phase5.io/{{ . }}-client: "true"
        {{- end }}
        {{- if eq $root.Values.secretStore.type "azure.keyvault" }}
        azure.workload.identity/use: "true"
        {{- end }}
      annotations:
        dapr.io/enabled: "true"
        dapr.io/app-id: {{ $svc.appId | quote }}
        dapr.io/app-port: {{ $svc.port | quote }}
        dapr.io/app-protocol: "http"
        dapr.io/config: {{ printf "%s-config" $svc.appId | quote }}
        dapr.io/log-as-json: "true"
        dapr.io/log-level: {{ $root.Values.dapr.logLevel | quote }}
        dapr.io/enable-metrics: "true"
        dapr.io/metrics-port: "9090"
        dapr.io/enable-app-health-check: "true"
        dapr.io/app-health-check-path: "/healthz"
        dapr.io/sidecar-cpu-request: {{ $root.Values.dapr.sidecar.cpuRequest | quote }}
        dapr.io/sidecar-memory-request: {{ $root.Values.dapr.sidecar.memoryRequest | quote }}
        dapr.io/sidecar-cpu-limit: {{ $root.Values.dapr.sidecar.cpuLimit | quote }}
        dapr.io/sidecar-memory-limit: {{ $root.Values.dapr.sidecar.memoryLimit | quote }}
        dapr.io/sidecar-seccomp-profile-type: "RuntimeDefault"
        dapr.io/graceful-shutdown-seconds: {{ $root.Values.dapr.gracefulShutdownSeconds | quote }}
        # Our secret stores are the chart's templates (scoped); no implicit `kubernetes` one.
        dapr.io/disable-builtin-k8s-secret-store: "true"
        {{- if not $svc.usesScheduler }}
        # Neither jobs nor workflows: no scheduler connection to hold open.
        dapr.io/scheduler-host-address: ""
        {{- end }}
    spec:
      serviceAccountName: {{ $sa }}
      automountServiceAccountToken: {{ $k8sSecrets }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $root.Values.dapr.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "phase5.podSecurity" (dict "uid" $root.Values.image.uid) | nindent 8 }}
      containers:
        - name: app
          image: {{ include "phase5.appImage" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command:
            {{- toYaml $svc.command | nindent 12 }}
            - "--host"
            - "0.0.0.0"
            - "--port"
            - {{ $svc.port | quote }}
            - "--no-access-log"
            - "--timeout-graceful-shutdown"
            - {{ $root.Values.dapr.gracefulShutdownSeconds | quote }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
          # Settings only (infra/settings.py names); secrets come from the Dapr secrets API.
          env:
            - {name: APP_ID, value: {{ $svc.appId | quote }}}
            - {name: APP_PORT, value: {{ $svc.port | quote }}}
            - {name: ENVIRONMENT, value: {{ $root.Values.appEnvironment | quote }}}
            - {name: LOG_LEVEL, value: {{ $root.Values.logLevel | quote }}}
            - {name: PUBSUB_NAME, value: {{ $root.Values.components.pubsub | quote }}}
            - {name: SECRET_STORE, value: {{ $root.Values.components.secretStore | quote }}}
            - {name: DATABASE_URL_SECRET, value: {{ $root.Values.postgres.databaseUrlSecret | quote }}}
            - {name: DB_POOL_SIZE, value: {{ $svc.dbPoolSize | quote }}}
            - {name: PUBLIC_BASE_URL, value: {{ $root.Values.publicBaseUrl | quote }}}
            - {name: WEB_BASE_URL, value: {{ $root.Values.webBaseUrl | default $root.Values.publicBaseUrl | quote }}}
            # Rotating secrets are read again after this long (and at once when refused).
            - {name: SECRET_MAX_AGE_SECONDS, value: {{ $root.Values.secretStore.maxAgeSeconds | quote }}}
            - {name: PYTHONDONTWRITEBYTECODE, value: "1"}
            # Traces (infra/tracing.py): the apps sample like their sidecars.
            - {name: TRACING_ENABLED, value: {{ ne $root.Values.tracing.zipkinEndpoint "" | quote }}}
            - {name: TRACING_SAMPLE_RATIO, value: {{ $root.Values.dapr.tracingSamplingRate | quote }}}
            - {name: ZIPKIN_ENDPOINT, value: {{ $root.Values.tracing.zipkinEndpoint | quote }}}
            {{- range $k, $v := merge (dict) $svc.env (.env | default dict) }}
            - {name: {{ $k }}, value: {{ $v | quote }}}
            {{- end }}
          startupProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 2
            failureThreshold: 45
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: {{ $svc.readinessPath }}, port: http}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- include "phase5.containerSecurity" . | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
    {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 4 }}
spec:
  type: ClusterIP
  {{- with $svc.sessionAffinity }}
  sessionAffinity: {{ . }}
  {{- end }}
  selector:
    {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 4 }}
  ports:
    - name: http
      port: {{ $svc.port }}
      targetPort: http
      protocol: TCP
{{- if $svc.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
spec:
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "phase5.selector" (dict "root" $root "name" $svc.appId) | nindent 6 }}
{{- end }}
{{- if $svc.hpa.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "phase5.labels" $root | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $svc.hpa.minReplicas }}
  maxReplicas: {{ $svc.hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ $svc.hpa.cpuUtilization }}}
{{- end }}
{{- end -}}
