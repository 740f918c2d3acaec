{{- define "dds.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dds.fullname" -}}
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

{{- define "dds.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dds.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The service's pods (the replay Job's pods carry component "replay" instead). */}}
{{- define "dds.podSelector" -}}
{{ include "dds.selectorLabels" . }}
app.kubernetes.io/component: consumer
{{- end -}}

{{- define "dds.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "dds.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dotdigital-sync
{{- end -}}

{{- define "dds.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "dds.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "dds.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
A config value as the service reads it: lists joined with commas, scalars as strings. Numbers
from values files arrive as float64 (1200000 would print as 1.2e+06): whole ones go through int64.
*/}}
{{- define "dds.configValue" -}}
{{- if kindIs "slice" . -}}{{ join "," . }}
{{- else if and (kindIs "float64" .) (eq . (floor .)) -}}{{ int64 . }}
{{- else -}}{{ toString . }}{{- end -}}
{{- end -}}

{{/* An integer setting in ms (config value or the service's default). */}}
{{- define "dds.configMs" -}}
{{- $v := index .root.Values.config .key -}}
{{- if or (kindIs "invalid" $v) (eq (toString $v) "") -}}{{ .default }}{{- else -}}{{ int64 $v }}{{- end -}}
{{- end -}}

{{- define "dds.windowSeconds" -}}
{{- $ms := include "dds.configMs" (dict "root" . "key" "WINDOW_MS" "default" 1200000) | int64 -}}
{{- div (add $ms 999) 1000 -}}
{{- end -}}

{{- define "dds.httpPort" -}}
{{- include "dds.configMs" (dict "root" . "key" "HTTP_PORT" "default" 8080) -}}
{{- end -}}

{{/* Replicas the Deployment asks for: 0 while a replay runs. */}}
{{- define "dds.replicas" -}}
{{- if .Values.replay.enabled -}}0{{- else -}}{{ int .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* Most replicas that may run at once: the PDB and LIMIT_EXPECTED_REPLICAS use it. */}}
{{- define "dds.maxReplicas" -}}
{{- if .Values.autoscaling.enabled -}}{{ int .Values.autoscaling.maxReplicas }}{{- else -}}{{ int .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* Fewest replicas in normal running: the PDB is rendered when this is above 1. */}}
{{- define "dds.minReplicas" -}}
{{- if .Values.replay.enabled -}}0
{{- else if .Values.autoscaling.enabled -}}{{ int .Values.autoscaling.minReplicas }}
{{- else -}}{{ int .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* Name of the Secret holding the service's secret settings ("" when none). */}}
{{- define "dds.settingsSecretName" -}}
{{- if .Values.secrets.existingSecret -}}{{ .Values.secrets.existingSecret }}
{{- else if .Values.secrets.values -}}{{ include "dds.fullname" . }}{{- end -}}
{{- end -}}

{{/* SETTING -> key in the settings Secret, as JSON. */}}
{{- define "dds.settingsSecretKeys" -}}
{{- $keys := dict -}}
{{- if .Values.secrets.existingSecret -}}
{{- $keys = .Values.secrets.existingSecretKeys -}}
{{- else -}}
{{- range $k, $v := .Values.secrets.values -}}{{- if $v -}}{{- $_ := set $keys $k $k -}}{{- end -}}{{- end -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{- define "dds.connectorSecretName" -}}
{{- default (printf "%s-connectors" (include "dds.fullname" .)) .Values.connectors.passwords.existingSecret -}}
{{- end -}}

{{- define "dds.connectorPasswordEnv" -}}
{{- printf "DD_%s_PASSWORD" (regexReplaceAll "[^A-Za-z0-9]" . "_" | upper) -}}
{{- end -}}

{{/* Prometheus label matchers of this release's pods (labels set by the Prometheus Operator). */}}
{{- define "dds.promSelector" -}}
{{- printf "namespace=\"%s\",service=\"%s\"" .Release.Namespace (include "dds.fullname" .) -}}
{{- end -}}

{{/* Refusals that the schema cannot express. */}}
{{- define "dds.validate" -}}
{{- range $k := list "KAFKA_BROKERS" "SCHEMA_REGISTRY_URL" "REDIS_URL" -}}
{{- $_ := required (printf "config.%s is required" $k) (include "dds.configValue" (index $.Values.config $k | default "")) -}}
{{- end -}}
{{- range $k := list "REDIS_URL" "SCHEMA_REGISTRY_URL" -}}
{{- if regexMatch "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@]*:[^/@]*@" (toString (index $.Values.config $k)) -}}
{{- fail (printf "config.%s carries a password: give it as a secret setting (secrets), not in the URL" $k) -}}
{{- end -}}
{{- end -}}
{{- $keys := include "dds.settingsSecretKeys" . | fromJson -}}
{{- if and .Values.secrets.existingSecret .Values.secrets.values -}}
{{- fail "secrets.values must be empty when secrets.existingSecret is set" -}}
{{- end -}}
{{- if and .Values.config.KAFKA_SASL_MECHANISM (not (hasKey $keys "KAFKA_SASL_PASSWORD")) -}}
{{- fail "config.KAFKA_SASL_MECHANISM is set: give KAFKA_SASL_PASSWORD under secrets" -}}
{{- end -}}
{{- if and .Values.connectors.passwords.existingSecret .Values.connectors.passwords.values -}}
{{- fail "connectors.passwords.values must be empty when connectors.passwords.existingSecret is set" -}}
{{- end -}}
{{- $envs := dict -}}
{{- range .Values.connectors.items -}}
{{- if and (not $.Values.connectors.passwords.existingSecret) (not (index $.Values.connectors.passwords.values .id)) -}}
{{- fail (printf "connector %s has no password: add connectors.passwords.values.%s or use connectors.passwords.existingSecret" .id .id) -}}
{{- end -}}
{{- $env := include "dds.connectorPasswordEnv" .id -}}
{{- if and (not $.Values.connectors.passwords.asFiles) (hasKey $envs $env) -}}
{{- fail (printf "connectors %s and %s map to the same %s" (get $envs $env) .id $env) -}}
{{- end -}}
{{- $_ := set $envs $env .id -}}
{{- end -}}
{{- if .Values.replay.enabled -}}
{{- $targets := 0 -}}
{{- if .Values.replay.toEarliest -}}{{- $targets = add1 $targets -}}{{- end -}}
{{- if .Values.replay.toTimestamp -}}{{- $targets = add1 $targets -}}{{- end -}}
{{- if .Values.replay.toOffsets -}}{{- $targets = add1 $targets -}}{{- end -}}
{{- if ne (int $targets) 1 -}}
{{- fail "replay.enabled: set exactly one of replay.toEarliest, replay.toTimestamp, replay.toOffsets" -}}
{{- end -}}
{{- end -}}
{{- end -}}
