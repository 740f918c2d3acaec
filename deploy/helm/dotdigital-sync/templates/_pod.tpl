{{/*
The pod spec shared by the Deployment and the replay Job: same image, settings, secrets and
connectors file. Called with (dict "root" $ "args" list "service" bool).
*/}}
{{- define "dds.podSpec" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $settingsSecret := include "dds.settingsSecretName" $root -}}
{{- $settingsKeys := include "dds.settingsSecretKeys" $root | fromJson -}}
{{- $env := list -}}
{{- range $setting, $key := $settingsKeys -}}
{{- if $v.secrets.asFiles -}}
{{- $env = append $env (dict "name" (printf "%s_FILE" $setting) "value" (printf "/var/run/secrets/dotdigital-sync/settings/%s" $setting)) -}}
{{- else -}}
{{- $env = append $env (dict "name" $setting "valueFrom" (dict "secretKeyRef" (dict "name" $settingsSecret "key" $key))) -}}
{{- end -}}
{{- end -}}
{{- if not $v.connectors.passwords.asFiles -}}
{{- range $v.connectors.items -}}
{{- $ref := dict "name" (include "dds.connectorSecretName" $root) "key" .id -}}
{{- $env = append $env (dict "name" (include "dds.connectorPasswordEnv" .id) "valueFrom" (dict "secretKeyRef" $ref)) -}}
{{- end -}}
{{- end -}}
{{- $env = concat $env $v.extraEnv -}}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ include "dds.serviceAccountName" $root }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
containers:
  - name: dotdigital-sync
    image: {{ include "dds.image" $root | quote }}
    imagePullPolicy: {{ $v.image.pullPolicy }}
    args: {{ toJson .args }}
    securityContext:
      {{- $sc := deepCopy (default dict $v.securityContext) -}}
      {{- /* Enforced whatever the values say (merge would not force a false). */ -}}
      {{- $_ := set $sc "readOnlyRootFilesystem" true -}}
      {{- $_ = set $sc "runAsNonRoot" true -}}
      {{- $_ = set $sc "allowPrivilegeEscalation" false -}}
      {{- toYaml $sc | nindent 6 }}
    envFrom:
      - configMapRef:
          name: {{ include "dds.fullname" $root }}-env
    {{- with $env }}
    env:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- if .service }}
    ports:
      - name: http
        containerPort: {{ include "dds.httpPort" $root }}
        protocol: TCP
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      {{- toYaml $v.probes.liveness | nindent 6 }}
    readinessProbe:
      httpGet:
        path: /readyz
        port: http
      {{- toYaml $v.probes.readiness | nindent 6 }}
    {{- end }}
    resources:
      {{- toYaml $v.resources | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      - name: connectors-file
        mountPath: /etc/dotdigital-sync
        readOnly: true
      {{- if and $v.connectors.passwords.asFiles $v.connectors.items }}
      - name: connector-passwords
        mountPath: /var/run/secrets/dotdigital-sync/connectors
        readOnly: true
      {{- end }}
      {{- if and $v.secrets.asFiles $settingsKeys }}
      - name: settings
        mountPath: /var/run/secrets/dotdigital-sync/settings
        readOnly: true
      {{- end }}
      {{- with $v.extraVolumeMounts }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $v.tmpSizeLimit }}
  - name: connectors-file
    configMap:
      name: {{ include "dds.fullname" $root }}-connectors
  {{- if and $v.connectors.passwords.asFiles $v.connectors.items }}
  - name: connector-passwords
    secret:
      secretName: {{ include "dds.connectorSecretName" $root }}
      defaultMode: 0440
      items:
        {{- range $v.connectors.items }}
        - key: {{ .id | quote }}
          path: {{ .id | quote }}
        {{- end }}
  {{- end }}
  {{- if and $v.secrets.asFiles $settingsKeys }}
  - name: settings
    secret:
      secretName: {{ $settingsSecret }}
      defaultMode: 0440
      items:
        {{- range $setting, $key := $settingsKeys }}
        - key: {{ $key | quote }}
          path: {{ $setting }}
        {{- end }}
  {{- end }}
  {{- with $v.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
