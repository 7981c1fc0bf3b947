{{/*
Helpers shared by every template. The workloads are rendered from one list
(.Values.services); "crm.resolveService" turns one entry into the full description the
templates read, so no template repeats the defaults logic.
*/}}

{{- define "crm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "crm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "crm.labels" -}}
helm.sh/chart: {{ include "crm.chart" . }}
{{ include "crm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crm
{{- end -}}

{{/* Selector of one workload. Args: dict root, svc (resolved), process. */}}
{{- define "crm.workloadSelectorLabels" -}}
{{ include "crm.selectorLabels" .root }}
crm/service: {{ .svc.name }}
crm/process: {{ .process }}
{{- end -}}

{{- define "crm.workloadLabels" -}}
{{ include "crm.labels" .root }}
app.kubernetes.io/component: {{ .process }}
crm/service: {{ .svc.name }}
crm/process: {{ .process }}
{{- end -}}

{{- define "crm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "crm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The hook Jobs run before the release's own ServiceAccount exists on first install. */}}
{{- define "crm.migrateServiceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- printf "%s-migrate" (include "crm.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "crm.secretName" -}}
{{- default (include "crm.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "crm.configMapName" -}}
{{- printf "%s-env" (include "crm.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of a service's api Service: the address other services and the Ingress use. */}}
{{- define "crm.apiServiceName" -}}
{{- printf "%s-%s" (include "crm.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Deep merge in place: args (list dst src). Keys of src win, including false, 0 and "" (sprig's
mergeOverwrite skips those); maps present on both sides are merged key by key.
*/}}
{{- define "crm.mergeInto" -}}
{{- $dst := index . 0 -}}
{{- $src := index . 1 | default dict -}}
{{- range $k, $v := $src -}}
{{- if and (kindIs "map" $v) (kindIs "map" (get $dst $k)) -}}
{{- include "crm.mergeInto" (list (get $dst $k) $v) -}}
{{- else if kindIs "invalid" $v -}}
{{- $_ := unset $dst $k -}}
{{- else -}}
{{- $_ := set $dst $k (deepCopy $v) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Resolve one entry of .Values.services into `out` (a dict filled in place).
Args: dict root, name, raw (the entry), out.
out: everything of serviceDefaults merged with the entry, plus
  name, envPrefix (CUSTOMERS, SERVICE_DESK), apiServiceName, image, imagePullPolicy,
  postgres (external.postgres merged with the service's database), dbName,
  processes: process name -> processDefaults[process] merged with the entry's settings.
*/}}
{{- define "crm.resolveService" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $out := .out -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "services: %q is not a valid name (lower-case letters, digits, '-')" $name) -}}
{{- end -}}
{{- $merged := deepCopy $root.Values.serviceDefaults -}}
{{- include "crm.mergeInto" (list $merged .raw) -}}
{{- range $k, $v := $merged -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- if not $out.module -}}
{{- fail (printf "services.%s.module is required (the Python package, e.g. crm_%s)" $name (replace "-" "_" $name)) -}}
{{- end -}}
{{- if not $out.httpPort -}}
{{- fail (printf "services.%s.httpPort is required" $name) -}}
{{- end -}}
{{- $_ := set $out "name" $name -}}
{{- $_ := set $out "envPrefix" (upper (replace "-" "_" $name)) -}}
{{- $_ := set $out "apiServiceName" (include "crm.apiServiceName" (dict "root" $root "name" $name)) -}}
{{- $img := deepCopy $root.Values.image -}}
{{- include "crm.mergeInto" (list $img (default dict $out.image)) -}}
{{- if $img.digest -}}
{{- $_ := set $out "image" (printf "%s@%s" $img.repository $img.digest) -}}
{{- else -}}
{{- $_ := set $out "image" (printf "%s:%s" $img.repository (toString (default $root.Chart.AppVersion $img.tag))) -}}
{{- end -}}
{{- $_ := set $out "imagePullPolicy" $img.pullPolicy -}}
{{- $_ := set $out "version" (toString (default $root.Chart.AppVersion $img.tag)) -}}
{{- $db := default dict $out.database -}}
{{- $pg := deepCopy $root.Values.external.postgres -}}
{{- include "crm.mergeInto" (list $pg (omit $db "enabled" "name")) -}}
{{- $_ := set $out "postgres" $pg -}}
{{- $_ := set $out "dbName" (default (printf "crm_%s" (replace "-" "_" $name)) $db.name) -}}
{{- $procs := dict -}}
{{- range $proc, $settings := (default dict $out.processes) -}}
{{- if not (hasKey $root.Values.processDefaults $proc) -}}
{{- fail (printf "services.%s.processes.%s: unknown process (known: %s)" $name $proc (keys $root.Values.processDefaults | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $p := deepCopy (get $root.Values.processDefaults $proc) -}}
{{- include "crm.mergeInto" (list $p (default dict $settings)) -}}
{{- $_ := set $procs $proc $p -}}
{{- end -}}
{{- $_ := set $out "processes" $procs -}}
{{- end -}}

{{/* Is a feature of a resolved service on? Args: list svc key. Missing means on. */}}
{{- define "crm.uses" -}}
{{- $f := get (index . 0) (index . 1) -}}
{{- if or (not (kindIs "map" $f)) (not (hasKey $f "enabled")) $f.enabled -}}true{{- end -}}
{{- end -}}

{{/*
The common, non-secret settings: the ConfigMap's data, and the migrate Jobs' env (a
pre-install hook runs before the ConfigMap exists). Renders a YAML map of strings.
*/}}
{{- define "crm.commonEnv" -}}
{{- $root := . -}}
{{- $env := dict
  "CRM_HTTP_HOST" "0.0.0.0"
  "CRM_LOG_LEVEL" (toString .Values.config.logLevel)
  "PYTHONUNBUFFERED" "1"
  "PYTHONDONTWRITEBYTECODE" "1"
-}}
{{- $jwks := .Values.config.identityJwksUrl -}}
{{- if and (not $jwks) (hasKey .Values.services "identity") -}}
{{- $identity := dict -}}
{{- include "crm.resolveService" (dict "root" $root "name" "identity" "raw" .Values.services.identity "out" $identity) -}}
{{- $jwks = printf "http://%s:%d/.well-known/jwks.json" $identity.apiServiceName (int $identity.httpPort) -}}
{{- end -}}
{{- if $jwks -}}
{{- $_ := set $env "CRM_IDENTITY_JWKS_URL" $jwks -}}
{{- end -}}
{{- range $name, $raw := .Values.services -}}
{{- $svc := dict -}}
{{- include "crm.resolveService" (dict "root" $root "name" $name "raw" $raw "out" $svc) -}}
{{- $api := get $svc.processes "api" -}}
{{- if and $api $api.enabled -}}
{{- $_ := set $env (printf "CRM_%s_HTTP_URL" $svc.envPrefix) (printf "http://%s:%d" $svc.apiServiceName (int $svc.httpPort)) -}}
{{- if $svc.grpcPort -}}
{{- $_ := set $env (printf "CRM_%s_GRPC_TARGET" $svc.envPrefix) (printf "%s:%d" $svc.apiServiceName (int $svc.grpcPort)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with .Values.otel.endpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" (toString .) -}}
{{- end -}}
{{- with .Values.otel.protocol -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" (toString .) -}}
{{- end -}}
{{- range $k, $v := .Values.config.extraEnv -}}
{{- $_ := set $env $k (toString $v) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* A variable from a key of the platform Secret. Args: dict root, name, key. */}}
{{- define "crm.secretEnvVar" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "crm.secretName" .root }}
      key: {{ .key | quote }}
{{- end -}}

{{/*
The secret keys a resolved service reads. Args: dict root, svc. Renders a YAML list.
*/}}
{{- define "crm.secretKeys" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $keys := list -}}
{{- if include "crm.uses" (list $svc "database") -}}
{{- if $svc.postgres.urlSecretKey -}}
{{- $keys = append $keys $svc.postgres.urlSecretKey -}}
{{- else -}}
{{- $keys = append $keys $svc.postgres.passwordKey -}}
{{- end -}}
{{- end -}}
{{- if include "crm.uses" (list $svc "amqp") -}}
{{- $keys = append $keys $root.Values.external.rabbitmq.passwordKey -}}
{{- end -}}
{{- if and (include "crm.uses" (list $svc "opensearch")) $root.Values.external.opensearch.username -}}
{{- $keys = append $keys $root.Values.external.opensearch.passwordKey -}}
{{- end -}}
{{- if include "crm.uses" (list $svc "s3") -}}
{{- $keys = concat $keys (list $root.Values.external.s3.accessKeyKey $root.Values.external.s3.secretKeyKey) -}}
{{- end -}}
{{- range $envName, $key := (default dict $svc.secretEnv) -}}
{{- $keys = append $keys $key -}}
{{- end -}}
{{- toYaml (uniq $keys) -}}
{{- end -}}

{{/*
The env of one container, after the ConfigMap's common settings. Secret values only ever
arrive through secretKeyRef; URLs that need a password reference it as $(VAR), which the
kubelet expands from the variable defined just above.
Args: dict root, svc (resolved), process, workloadName.
*/}}
{{- define "crm.containerEnv" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $ext := $root.Values.external -}}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: CRM_SERVICE_NAME
  value: {{ $svc.name | quote }}
- name: CRM_HTTP_PORT
  value: {{ int $svc.httpPort | quote }}
{{- if $svc.grpcPort }}
- name: CRM_GRPC_PORT
  value: {{ int $svc.grpcPort | quote }}
{{- end }}
{{- if include "crm.uses" (list $svc "database") }}
{{- $pg := $svc.postgres }}
{{- if $pg.urlSecretKey }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_DATABASE_URL" "key" $pg.urlSecretKey) }}
{{- else }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_DATABASE_PASSWORD" "key" $pg.passwordKey) }}
{{- $params := list }}
{{- range $k, $v := (default dict $pg.params) }}
{{- $params = append $params (printf "%s=%s" (urlquery $k) (urlquery (toString $v))) }}
{{- end }}
- name: CRM_DATABASE_URL
  value: {{ printf "%s://%s:$(CRM_DATABASE_PASSWORD)@%s:%d/%s%s" $pg.driver (urlquery $pg.username) $pg.host (int $pg.port) $svc.dbName (ternary (printf "?%s" (join "&" $params)) "" (gt (len $params) 0)) | quote }}
{{- end }}
{{- end }}
{{- if include "crm.uses" (list $svc "amqp") }}
{{- $mq := $ext.rabbitmq }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_AMQP_PASSWORD" "key" $mq.passwordKey) }}
- name: CRM_AMQP_URL
  value: {{ printf "%s://%s:$(CRM_AMQP_PASSWORD)@%s:%d/%s" (ternary "amqps" "amqp" (eq (toString $mq.tls) "true")) (urlquery $mq.username) $mq.host (int $mq.port) (urlquery $mq.vhost) | quote }}
{{- end }}
{{- if include "crm.uses" (list $svc "opensearch") }}
{{- $os := $ext.opensearch }}
{{- if $os.username }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_OPENSEARCH_PASSWORD" "key" $os.passwordKey) }}
- name: CRM_OPENSEARCH_URL
  value: {{ printf "%s://%s:$(CRM_OPENSEARCH_PASSWORD)@%s:%d" $os.scheme (urlquery $os.username) $os.host (int $os.port) | quote }}
{{- else }}
- name: CRM_OPENSEARCH_URL
  value: {{ printf "%s://%s:%d" $os.scheme $os.host (int $os.port) | quote }}
{{- end }}
{{- end }}
{{- if include "crm.uses" (list $svc "s3") }}
- name: CRM_S3_ENDPOINT
  value: {{ $ext.s3.endpoint | quote }}
- name: CRM_S3_BUCKET
  value: {{ $ext.s3.bucket | quote }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_S3_ACCESS_KEY" "key" $ext.s3.accessKeyKey) }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" "CRM_S3_SECRET_KEY" "key" $ext.s3.secretKeyKey) }}
{{- end }}
{{- range $envName, $key := (default dict $svc.secretEnv) }}
{{ include "crm.secretEnvVar" (dict "root" $root "name" $envName "key" $key) }}
{{- end }}
- name: OTEL_SERVICE_NAME
  value: {{ $svc.name | quote }}
{{- $attrs := list "service.namespace=crm" (printf "service.version=%s" $svc.version) (printf "deployment.environment.name=%s" $root.Values.environment) "k8s.namespace.name=$(K8S_NAMESPACE)" "k8s.pod.name=$(K8S_POD_NAME)" "k8s.node.name=$(K8S_NODE_NAME)" (printf "crm.process=%s" .process) }}
{{- if .workloadName }}
{{- $attrs = append $attrs (printf "k8s.%s.name=%s" (ternary "job" "deployment" (eq .process "migrate")) .workloadName) }}
{{- end }}
{{- range $k, $v := $root.Values.otel.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%s" $k (toString $v)) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attrs | quote }}
{{- $extra := deepCopy (default dict $svc.extraEnv) }}
{{- with .extraEnv }}
{{- $extra = merge (deepCopy .) $extra }}
{{- end }}
{{- range $k, $v := $extra }}
- name: {{ $k }}
  value: {{ toString $v | quote }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by Deployments and Jobs. Args: dict root, svc, serviceAccountName. */}}
{{- define "crm.podCommon" -}}
serviceAccountName: {{ .serviceAccountName }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automountServiceAccountToken }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- end -}}
