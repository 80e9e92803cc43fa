{{- define "turnout.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "turnout.serviceAccountName" -}}
{{- default (include "turnout.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "turnout.labels" -}}
app.kubernetes.io/name: turnout
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "turnout.selectorLabels" -}}
app.kubernetes.io/name: turnout
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "turnout.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The rules the operator needs in each namespace it watches: least privilege, no delete anywhere
     (owned objects go with their owner through Kubernetes garbage collection). */}}
{{- define "turnout.namespacedRules" -}}
- apiGroups: [turnout.dev]
  resources: [appreleases, healthpolicies, databasebackups, databaserestores]
  verbs: [get, list, watch]
- apiGroups: [turnout.dev]
  resources: [appreleases/status, healthpolicies/status, databasebackups/status, databaserestores/status]
  verbs: [get, patch, update]
# Owned objects carry an ownerReference with blockOwnerDeletion=true (foreground deletion waits for them). With the
# OwnerReferencesPermissionEnforcement admission plugin, setting it needs update on the owner's finalizers subresource;
# Turnout never sets a finalizer itself.
- apiGroups: [turnout.dev]
  resources: [appreleases/finalizers, databasebackups/finalizers, databaserestores/finalizers]
  verbs: [update]
# backupBeforePromotion asks a DatabaseBackup for a backup through its turnout.dev/backup-now annotation
- apiGroups: [turnout.dev]
  resources: [databasebackups]
  verbs: [patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch]
# one ControllerRevision per release revision records what its pods run (to rebuild a deleted or edited color);
# data is immutable, so a stale record is deleted and created again, and records past revisionHistoryLimit are deleted
- apiGroups: [apps]
  resources: [controllerrevisions]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# readiness gates: the operator sets its condition on pods that passed the deep checks
- apiGroups: [""]
  resources: [pods/status]
  verbs: [patch]
- apiGroups: [batch]
  resources: [jobs, cronjobs]
  verbs: [get, list, watch, create, update, patch]
# a DatabaseBackup's drill CronJob (<name>-drill) is deleted when its spec.drill is removed (only one the DatabaseBackup
# owns; its Jobs go with it through their ownerReferences)
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [delete]
# Secrets and ConfigMaps are never written. list/watch: the AppRelease controller keeps an informer cache of them (only a
# digest per key, no values; Helm release and service-account-token Secrets not listed) so that a change of one a pod
# template uses is a new revision at once and an unchanged release reads nothing; get: the Secrets of DatabaseBackups
# and DatabaseRestores (S3 credentials, checked keys)
- apiGroups: [""]
  resources: [secrets, configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
