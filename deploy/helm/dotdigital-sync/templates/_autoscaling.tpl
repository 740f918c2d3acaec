{{- define "dds.scaleMetric" -}}
{{- if eq .Values.autoscaling.metric "oldest_buffered_age" -}}dotdigital_sync_oldest_buffered_age_seconds
{{- else -}}dotdigital_sync_oldest_uncommitted_age_seconds{{- end -}}
{{- end -}}

{{- define "dds.scaleThreshold" -}}
{{- if .Values.autoscaling.thresholdSeconds -}}{{ int64 .Values.autoscaling.thresholdSeconds }}
{{- else -}}{{ add (include "dds.windowSeconds" . | int64) .Values.autoscaling.graceSeconds }}{{- end -}}
{{- end -}}

{{/* Slow scale-down: every step is a rebalance that drops buffers and re-reads them. */}}
{{- define "dds.scaleBehavior" -}}
scaleDown:
  stabilizationWindowSeconds: {{ .Values.autoscaling.scaleDownStabilizationSeconds }}
  policies:
    - type: Pods
      value: 1
      periodSeconds: 600
scaleUp:
  stabilizationWindowSeconds: 120
  policies:
    - type: Pods
      value: 2
      periodSeconds: 300
{{- end -}}
