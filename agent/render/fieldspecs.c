/*
 * Field specs: where kustomize's built-in transformers look in which kinds of objects
 * (its default transformer configuration), and the walker that visits those fields.
 */

#include "render/render.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "render/internal.h"

/* clang-format off */
static const struct fieldspec common_labels[] = {
	{ NULL, "v1", "Service", "spec/selector", true },
	{ NULL, "v1", "ReplicationController", "spec/selector", true },
	{ NULL, NULL, "Deployment", "spec/selector/matchLabels", true },
	{ "apps", NULL, "Deployment", "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false },
	{ "apps", NULL, "Deployment", "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false },
	{ "apps", NULL, "Deployment", "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false },
	{ "apps", NULL, "Deployment", "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false },
	{ "apps", NULL, "Deployment", "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", false },
	{ NULL, NULL, "ReplicaSet", "spec/selector/matchLabels", true },
	{ NULL, NULL, "DaemonSet", "spec/selector/matchLabels", true },
	{ "apps", NULL, "StatefulSet", "spec/selector/matchLabels", true },
	{ "apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false },
	{ "apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false },
	{ "apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", false },
	{ "apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", false },
	{ "apps", NULL, "StatefulSet", "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", false },
	{ "batch", NULL, "Job", "spec/selector/matchLabels", false },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false },
	{ "policy", NULL, "PodDisruptionBudget", "spec/selector/matchLabels", false },
	{ "networking.k8s.io", NULL, "NetworkPolicy", "spec/podSelector/matchLabels", false },
	{ "networking.k8s.io", NULL, "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", false },
	{ "networking.k8s.io", NULL, "NetworkPolicy", "spec/egress/to/podSelector/matchLabels", false },
	{ NULL, NULL, NULL, "metadata/labels", true },
	{ NULL, "v1", "ReplicationController", "spec/template/metadata/labels", true },
	{ NULL, NULL, "Deployment", "spec/template/metadata/labels", true },
	{ NULL, NULL, "ReplicaSet", "spec/template/metadata/labels", true },
	{ NULL, NULL, "DaemonSet", "spec/template/metadata/labels", true },
	{ "apps", NULL, "StatefulSet", "spec/template/metadata/labels", true },
	{ "apps", NULL, "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true },
	{ "batch", NULL, "Job", "spec/template/metadata/labels", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/metadata/labels", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true },
};
const struct fieldspec_list fieldspecs_common_labels = { common_labels, ELEMENTSOF(common_labels) };

static const struct fieldspec metadata_labels[] = {
	{ NULL, NULL, NULL, "metadata/labels", true },
	{ NULL, "v1", "ReplicationController", "spec/template/metadata/labels", true },
	{ NULL, NULL, "Deployment", "spec/template/metadata/labels", true },
	{ NULL, NULL, "ReplicaSet", "spec/template/metadata/labels", true },
	{ NULL, NULL, "DaemonSet", "spec/template/metadata/labels", true },
	{ "apps", NULL, "StatefulSet", "spec/template/metadata/labels", true },
	{ "apps", NULL, "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true },
	{ "batch", NULL, "Job", "spec/template/metadata/labels", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/metadata/labels", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true },
};
const struct fieldspec_list fieldspecs_metadata_labels = { metadata_labels, ELEMENTSOF(metadata_labels) };

static const struct fieldspec common_annotations[] = {
	{ NULL, NULL, NULL, "metadata/annotations", true },
	{ NULL, "v1", "ReplicationController", "spec/template/metadata/annotations", true },
	{ NULL, NULL, "Deployment", "spec/template/metadata/annotations", true },
	{ NULL, NULL, "ReplicaSet", "spec/template/metadata/annotations", true },
	{ NULL, NULL, "DaemonSet", "spec/template/metadata/annotations", true },
	{ NULL, NULL, "StatefulSet", "spec/template/metadata/annotations", true },
	{ "batch", NULL, "Job", "spec/template/metadata/annotations", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/metadata/annotations", true },
	{ "batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true },
};
const struct fieldspec_list fieldspecs_common_annotations = { common_annotations, ELEMENTSOF(common_annotations) };

static const struct fieldspec namespace_specs[] = {
	{ NULL, NULL, "Namespace", "metadata/name", true },
	{ "apiregistration.k8s.io", NULL, "APIService", "spec/service/namespace", true },
	{ "apiextensions.k8s.io", NULL, "CustomResourceDefinition", "spec/conversion/webhook/clientConfig/service/namespace", false },
};
const struct fieldspec_list fieldspecs_namespace = { namespace_specs, ELEMENTSOF(namespace_specs) };

static const struct fieldspec images[] = {
	{ NULL, NULL, NULL, "spec/containers[]/image", true },
	{ NULL, NULL, NULL, "spec/initContainers[]/image", true },
	{ NULL, NULL, NULL, "spec/template/spec/containers[]/image", true },
	{ NULL, NULL, NULL, "spec/template/spec/initContainers[]/image", true },
};
const struct fieldspec_list fieldspecs_images = { images, ELEMENTSOF(images) };

static const struct fieldspec replicas[] = {
	{ NULL, NULL, "Deployment", "spec/replicas", true },
	{ NULL, NULL, "ReplicationController", "spec/replicas", true },
	{ NULL, NULL, "ReplicaSet", "spec/replicas", true },
	{ NULL, NULL, "StatefulSet", "spec/replicas", true },
};
const struct fieldspec_list fieldspecs_replicas = { replicas, ELEMENTSOF(replicas) };

static const struct fieldspec nameref_0[] = {
	{ NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false },
};

static const struct fieldspec nameref_1[] = {
	{ NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false },
};

static const struct fieldspec nameref_2[] = {
	{ NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false },
};

static const struct fieldspec nameref_3[] = {
	{ NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false },
};

static const struct fieldspec nameref_4[] = {
	{ NULL, "v1", "Pod", "spec/volumes/configMap/name", false },
	{ NULL, "v1", "Pod", "spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, "v1", "Pod", "spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, "v1", "Pod", "spec/containers/envFrom/configMapRef/name", false },
	{ NULL, "v1", "Pod", "spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, "v1", "Pod", "spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/configMap/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name", false },
	{ NULL, NULL, "Node", "spec/configSource/configMap", false },
	{ NULL, NULL, "Role", "rules/resourceNames", false },
	{ NULL, NULL, "ClusterRole", "rules/resourceNames", false },
	{ NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", false },
};

static const struct fieldspec nameref_5[] = {
	{ NULL, "v1", "Pod", "spec/volumes/secret/secretName", false },
	{ NULL, "v1", "Pod", "spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, "v1", "Pod", "spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, "v1", "Pod", "spec/containers/envFrom/secretRef/name", false },
	{ NULL, "v1", "Pod", "spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, "v1", "Pod", "spec/imagePullSecrets/name", false },
	{ NULL, "v1", "Pod", "spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "PodTemplate", "template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "PodTemplate", "template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "Job", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "Job", "spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/secret/secretName", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/imagePullSecrets/name", false },
	{ NULL, NULL, "Ingress", "spec/tls/secretName", false },
	{ NULL, NULL, "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret", false },
	{ NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret", false },
	{ NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret", false },
	{ NULL, NULL, "Ingress", "spec/tls/secretName", false },
	{ NULL, NULL, "ServiceAccount", "imagePullSecrets/name", false },
	{ NULL, NULL, "StorageClass", "parameters/secretName", false },
	{ NULL, NULL, "StorageClass", "parameters/adminSecretName", false },
	{ NULL, NULL, "StorageClass", "parameters/userSecretName", false },
	{ NULL, NULL, "StorageClass", "parameters/secretRef", false },
	{ NULL, NULL, "Role", "rules/resourceNames", false },
	{ NULL, NULL, "ClusterRole", "rules/resourceNames", false },
	{ "serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", false },
	{ NULL, NULL, "PersistentVolume", "spec/azureFile/secretName", false },
};

static const struct fieldspec nameref_6[] = {
	{ "apps", NULL, "StatefulSet", "spec/serviceName", false },
	{ NULL, NULL, "Ingress", "spec/rules/http/paths/backend/serviceName", false },
	{ NULL, NULL, "Ingress", "spec/backend/serviceName", false },
	{ NULL, NULL, "Ingress", "spec/rules/http/paths/backend/service/name", false },
	{ NULL, NULL, "Ingress", "spec/defaultBackend/service/name", false },
	{ "apiregistration.k8s.io", NULL, "APIService", "spec/service/name", false },
	{ "admissionregistration.k8s.io", NULL, "ValidatingWebhookConfiguration", "webhooks/clientConfig/service", false },
	{ "admissionregistration.k8s.io", NULL, "MutatingWebhookConfiguration", "webhooks/clientConfig/service", false },
};

static const struct fieldspec nameref_7[] = {
	{ "rbac.authorization.k8s.io", NULL, "RoleBinding", "roleRef/name", false },
};

static const struct fieldspec nameref_8[] = {
	{ "rbac.authorization.k8s.io", NULL, "RoleBinding", "roleRef/name", false },
	{ "rbac.authorization.k8s.io", NULL, "ClusterRoleBinding", "roleRef/name", false },
};

static const struct fieldspec nameref_9[] = {
	{ "rbac.authorization.k8s.io", NULL, "RoleBinding", "subjects", false },
	{ "rbac.authorization.k8s.io", NULL, "ClusterRoleBinding", "subjects", false },
	{ NULL, NULL, "Pod", "spec/serviceAccountName", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/serviceAccountName", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/serviceAccountName", false },
	{ NULL, NULL, "ReplicationController", "spec/template/spec/serviceAccountName", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/serviceAccountName", false },
	{ NULL, NULL, "Job", "spec/template/spec/serviceAccountName", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/serviceAccountName", false },
};

static const struct fieldspec nameref_10[] = {
	{ NULL, NULL, "Pod", "spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "ReplicationController", "spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "Job", "spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/volumes/persistentVolumeClaim/claimName", false },
};

static const struct fieldspec nameref_11[] = {
	{ NULL, NULL, "PersistentVolumeClaim", "spec/volumeName", false },
	{ NULL, NULL, "ClusterRole", "rules/resourceNames", false },
};

static const struct fieldspec nameref_12[] = {
	{ NULL, NULL, "PersistentVolume", "spec/storageClassName", false },
	{ NULL, NULL, "PersistentVolumeClaim", "spec/storageClassName", false },
	{ NULL, NULL, "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName", false },
};

static const struct fieldspec nameref_13[] = {
	{ NULL, NULL, "Pod", "spec/priorityClassName", false },
	{ NULL, NULL, "StatefulSet", "spec/template/spec/priorityClassName", false },
	{ NULL, NULL, "Deployment", "spec/template/spec/priorityClassName", false },
	{ NULL, NULL, "ReplicationController", "spec/template/spec/priorityClassName", false },
	{ NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/priorityClassName", false },
	{ NULL, NULL, "Job", "spec/template/spec/priorityClassName", false },
	{ NULL, NULL, "DaemonSet", "spec/template/spec/priorityClassName", false },
};

static const struct fieldspec nameref_14[] = {
	{ NULL, NULL, "Ingress", "spec/ingressClassName", false },
};

static const struct fieldspec nameref_15[] = {
	{ "admissionregistration.k8s.io", NULL, "ValidatingAdmissionPolicyBinding", "spec/policyName", false },
};

const struct nameref_rule nameref_rules[] = {
	{ { "", "", "Deployment" }, { nameref_0, ELEMENTSOF(nameref_0) } },
	{ { "", "", "ReplicationController" }, { nameref_1, ELEMENTSOF(nameref_1) } },
	{ { "", "", "ReplicaSet" }, { nameref_2, ELEMENTSOF(nameref_2) } },
	{ { "", "", "StatefulSet" }, { nameref_3, ELEMENTSOF(nameref_3) } },
	{ { "", "v1", "ConfigMap" }, { nameref_4, ELEMENTSOF(nameref_4) } },
	{ { "", "v1", "Secret" }, { nameref_5, ELEMENTSOF(nameref_5) } },
	{ { "", "v1", "Service" }, { nameref_6, ELEMENTSOF(nameref_6) } },
	{ { "rbac.authorization.k8s.io", "", "Role" }, { nameref_7, ELEMENTSOF(nameref_7) } },
	{ { "rbac.authorization.k8s.io", "", "ClusterRole" }, { nameref_8, ELEMENTSOF(nameref_8) } },
	{ { "", "v1", "ServiceAccount" }, { nameref_9, ELEMENTSOF(nameref_9) } },
	{ { "", "v1", "PersistentVolumeClaim" }, { nameref_10, ELEMENTSOF(nameref_10) } },
	{ { "", "v1", "PersistentVolume" }, { nameref_11, ELEMENTSOF(nameref_11) } },
	{ { "storage.k8s.io", "v1", "StorageClass" }, { nameref_12, ELEMENTSOF(nameref_12) } },
	{ { "scheduling.k8s.io", "v1", "PriorityClass" }, { nameref_13, ELEMENTSOF(nameref_13) } },
	{ { "networking.k8s.io/v1", "v1", "IngressClass" }, { nameref_14, ELEMENTSOF(nameref_14) } },
	{ { "admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy" }, { nameref_15, ELEMENTSOF(nameref_15) } },
};

const size_t n_nameref_rules = ELEMENTSOF(nameref_rules);
/* clang-format on */

/* Template labels are the metadata labels of workloads and their pod templates. */
const struct fieldspec_list fieldspecs_template_labels = { metadata_labels,
	                                                   ELEMENTSOF(metadata_labels) };

bool fieldspec_applies(const struct fieldspec *fs, const struct gvk *gvk)
{
	if (!isempty(fs->kind) && !streq(fs->kind, gvk->kind))
		return false;
	if (!isempty(fs->group) && !streq(fs->group, gvk->group))
		return false;
	if (!isempty(fs->version) && !streq(fs->version, gvk->version))
		return false;
	return true;
}

struct walk {
	const char *path;
	bool create;
	json_type create_type;
	fieldspec_fn *fn;
	void *userdata;
	struct error *reterr;
};

/*
 * The path segment starting at *p ('/' separates, "\/" is a slash inside a key), copied
 * into buf. Returns false at the end of the path. Walks run for every object and every
 * field spec, so segments are read in place rather than split into allocated lists.
 */
static bool next_segment(const char **p, char *buf, size_t size, size_t *ret_len)
{
	const char *s = *p;
	size_t n = 0;

	if (!s)
		return false;
	for (; *s && *s != '/'; s++) {
		if (*s == '\\' && s[1] == '/')
			s++;
		if (n + 1 < size)
			buf[n++] = *s;
	}
	buf[n] = '\0';
	*ret_len = n;
	*p = *s == '/' ? s + 1 : NULL;
	return true;
}

static int walk_node(struct walk *w, json_t *parent, const char *key, json_t *node,
                     const char *rest);

static int walk_map(struct walk *w, json_t *obj, const char *rest)
{
	char field[256];
	size_t len = 0;
	const char *after = rest;
	bool is_seq, leaf;
	json_t *v;

	(void)next_segment(&after, field, sizeof(field), &len);
	is_seq = len >= 2 && streq(field + len - 2, "[]");
	if (is_seq)
		field[len - 2] = '\0';
	leaf = after == NULL;
	if (isempty(field))
		return error_set(w->reterr, -EINVAL, "cannot set or create an empty field name");
	v = json_object_get(obj, field);
	if (!v) {
		if (is_seq || !w->create || w->create_type == JSON_NULL)
			return 0;
		v = leaf ? (w->create_type == JSON_OBJECT ? json_object() : json_string("")) :
		           json_object();
		json_object_set_new(obj, field, v);
	} else if (json_is_null(v) && (is_seq || (w->create && w->create_type != JSON_NULL))) {
		/* a null field becomes what the walk would have created */
		if (is_seq)
			v = json_array();
		else
			v = leaf && w->create_type != JSON_OBJECT ? json_string("") : json_object();
		json_object_set_new(obj, field, v);
	}
	return walk_node(w, obj, field, v, after);
}

static int walk_node(struct walk *w, json_t *parent, const char *key, json_t *node,
                     const char *rest)
{
	json_t *elem;
	size_t i;
	int r;

	if (!rest)
		return w->fn(parent, key, node, w->userdata, w->reterr);
	if (!node || json_is_null(node))
		return 0;
	if (json_is_array(node)) {
		json_array_foreach(node, i, elem) {
			r = walk_node(w, node, NULL, elem, rest);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (json_is_object(node))
		return walk_map(w, node, rest);
	return error_set(w->reterr, -EINVAL,
	                 "considering field '%s': expected sequence or mapping node", w->path);
}

int fieldspec_walk_typed(json_t *obj, const struct fieldspec *fs, json_type create_type,
                         fieldspec_fn *fn, void *userdata, struct error *reterr)
{
	struct walk w = {
		.path = fs->path,
		.create = fs->create,
		.create_type = create_type,
		.fn = fn,
		.userdata = userdata,
		.reterr = reterr,
	};

	return walk_node(&w, NULL, NULL, obj, fs->path);
}

int fieldspec_walk(json_t *obj, const struct fieldspec *fs, fieldspec_fn *fn, void *userdata,
                   struct error *reterr)
{
	return fieldspec_walk_typed(obj, fs, JSON_NULL, fn, userdata, reterr);
}
