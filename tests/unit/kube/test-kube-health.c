/*
 * kube_health_evaluate() and its companions: table-driven, one table per rule. The objects
 * are written with ' for " and converted before parsing, to keep them readable.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../json-test.h"

#include "kube/kube.h"

struct health_case {
	const char *json; /* the object, ' standing for " */
	enum kube_health want;
	const char *want_reason; /* NULL when healthy */
};

static void check_cases(const struct health_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *obj = json_test_load(cases[i].json);
		char *reason = NULL;
		enum kube_health h = kube_health_evaluate(obj, &reason);

		if (h != cases[i].want || !streq_ptr(reason, cases[i].want_reason))
			fail_msg("case %zu %s\n  got  %s \"%s\"\n  want %s \"%s\"", i,
			         cases[i].json, kube_health_to_string(h),
			         reason ? reason : "(null)", kube_health_to_string(cases[i].want),
			         cases[i].want_reason ? cases[i].want_reason : "(null)");
		/* the reason is optional: the verdict does not depend on asking for it */
		assert_int_equal(kube_health_evaluate(obj, NULL), cases[i].want);
		free(reason);
		json_decref(obj);
	}
}

#define DEPLOYMENT                                    \
	"'apiVersion':'apps/v1','kind':'Deployment'," \
	"'metadata':{'namespace':'ns','name':'web','generation':2}"

static void test_kube_health_evaluate__deployment(void **state)
{
	static const struct health_case cases[] = {
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':1,"
		  "'replicas':3,'updatedReplicas':3,'availableReplicas':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the rollout to be observed" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'replicas':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the rollout to be observed" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'replicas':3,'updatedReplicas':1,'availableReplicas':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': 1 of 3 new replicas have been updated" },
		{ "{" DEPLOYMENT ",'spec':{},'status':{'observedGeneration':2}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': 0 of 1 new replicas have been updated" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'replicas':5,'updatedReplicas':3,'availableReplicas':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': 2 old replicas are pending termination" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'replicas':3,'updatedReplicas':3,'availableReplicas':1}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': 1 of 3 updated replicas are available" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'replicas':3,'updatedReplicas':3,'availableReplicas':3,'conditions':[{'type':"
		  "'Progressing','status':'True','reason':'NewReplicaSetAvailable'}]}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" DEPLOYMENT ",'status':{'observedGeneration':3,'replicas':1,"
		  "'updatedReplicas':1,'availableReplicas':1}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" DEPLOYMENT ",'spec':{'replicas':0},'status':{'observedGeneration':2}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		/* paused: healthy whatever the replicas, once observed */
		{ "{" DEPLOYMENT ",'spec':{'replicas':3,'paused':true},'status':"
		  "{'observedGeneration':2,'replicas':3,'updatedReplicas':0}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3,'paused':true},'status':"
		  "{'observedGeneration':1}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the rollout to be observed" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

static void test_kube_health_evaluate__deployment_failed(void **state)
{
	static const struct health_case cases[] = {
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'replicas':3,'updatedReplicas':1,'availableReplicas':1,'conditions':["
		  "{'type':'Available','status':'False','reason':'MinimumReplicasUnavailable'},"
		  "{'type':'Progressing','status':'False','reason':'ProgressDeadlineExceeded',"
		  "'message':'ReplicaSet web-5d9 has timed out progressing.'}]}}",
		  KUBE_HEALTH_FAILED,
		  "Deployment 'ns/web': progress deadline exceeded: "
		  "ReplicaSet web-5d9 has timed out progressing." },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3},'status':{'observedGeneration':2,"
		  "'conditions':[{'type':'Progressing','reason':'ProgressDeadlineExceeded'}]}}",
		  KUBE_HEALTH_FAILED, "Deployment 'ns/web': progress deadline exceeded" },
		/* failed before paused: a paused Deployment past its deadline has failed */
		{ "{" DEPLOYMENT ",'spec':{'paused':true},'status':{'observedGeneration':2,"
		  "'conditions':[{'type':'Progressing','reason':'ProgressDeadlineExceeded',"
		  "'message':7}]}}",
		  KUBE_HEALTH_FAILED, "Deployment 'ns/web': progress deadline exceeded" },
		/* a deadline not yet observed: the new spec may fix it */
		{ "{" DEPLOYMENT ",'status':{'observedGeneration':1,'conditions':[{'type':"
		  "'Progressing','reason':'ProgressDeadlineExceeded'}]}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the rollout to be observed" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

#define STATEFULSET                                    \
	"'apiVersion':'apps/v1','kind':'StatefulSet'," \
	"'metadata':{'namespace':'db','name':'pg','generation':4}"

static void test_kube_health_evaluate__statefulset(void **state)
{
	static const struct health_case cases[] = {
		{ "{" STATEFULSET ",'spec':{'replicas':3},'status':{'observedGeneration':3,"
		  "'readyReplicas':3,'updatedReplicas':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': waiting for the rollout to be observed" },
		{ "{" STATEFULSET ",'spec':{'replicas':3},'status':{'observedGeneration':4,"
		  "'readyReplicas':1,'currentRevision':'pg-1','updateRevision':'pg-1'}}",
		  KUBE_HEALTH_PROGRESSING, "StatefulSet 'db/pg': 1 of 3 replicas are ready" },
		{ "{" STATEFULSET ",'spec':{},'status':{'observedGeneration':4}}",
		  KUBE_HEALTH_PROGRESSING, "StatefulSet 'db/pg': 0 of 1 replicas are ready" },
		/* RollingUpdate without a partition: every pod at the update revision */
		{ "{" STATEFULSET
		  ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate'}},"
		  "'status':{'observedGeneration':4,'readyReplicas':3,'updatedReplicas':2,"
		  "'currentRevision':'pg-1','updateRevision':'pg-2'}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': 2 of 3 pods are at revision pg-2" },
		{ "{" STATEFULSET ",'spec':{'replicas':3},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'updatedReplicas':3,'currentRevision':'pg-1'}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': 3 of 3 pods are at revision (unknown)" },
		{ "{" STATEFULSET
		  ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate'}},"
		  "'status':{'observedGeneration':4,'readyReplicas':3,'updatedReplicas':3,"
		  "'currentRevision':'pg-2','updateRevision':'pg-2'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" STATEFULSET ",'spec':{'replicas':0},'status':{'observedGeneration':4}}",
		  KUBE_HEALTH_HEALTHY, NULL },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

static void test_kube_health_evaluate__statefulset_partition(void **state)
{
	static const struct health_case cases[] = {
		/* pods 2 and up (one of three) are to be updated */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate',"
		  "'rollingUpdate':{'partition':2}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'updatedReplicas':0,'currentRevision':'pg-1',"
		  "'updateRevision':'pg-2'}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': partitioned roll out: 0 of 1 new pods have been updated" },
		/* done: the revisions differ, as they do below a partition */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate',"
		  "'rollingUpdate':{'partition':2}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'updatedReplicas':1,'currentRevision':'pg-1',"
		  "'updateRevision':'pg-2'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		/* a partition above the replicas updates nothing */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{"
		  "'rollingUpdate':{'partition':5}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'currentRevision':'pg-1','updateRevision':'pg-2'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		/* partition 0, as the API server defaults it: all pods */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate',"
		  "'rollingUpdate':{'partition':0}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'updatedReplicas':2}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': partitioned roll out: 2 of 3 new pods have been updated" },
		/* not ready comes first */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate',"
		  "'rollingUpdate':{'partition':2}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':2,'updatedReplicas':1}}",
		  KUBE_HEALTH_PROGRESSING, "StatefulSet 'db/pg': 2 of 3 replicas are ready" },
		/* a partition of the wrong type is no partition */
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate',"
		  "'rollingUpdate':{'partition':'2'}}},'status':{'observedGeneration':4,"
		  "'readyReplicas':3,'updatedReplicas':1,'currentRevision':'pg-1',"
		  "'updateRevision':'pg-2'}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': 1 of 3 pods are at revision pg-2" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

static void test_kube_health_evaluate__statefulset_on_delete(void **state)
{
	static const struct health_case cases[] = {
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'OnDelete'}},"
		  "'status':{'observedGeneration':4,'readyReplicas':0,'currentRevision':'pg-1',"
		  "'updateRevision':'pg-2'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'OnDelete'}},"
		  "'status':{'observedGeneration':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': waiting for the rollout to be observed" },
		{ "{" STATEFULSET ",'spec':{'replicas':3,'updateStrategy':{'type':'OnDelete'}}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': waiting for the controller to report a status" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

#define DAEMONSET                                    \
	"'apiVersion':'apps/v1','kind':'DaemonSet'," \
	"'metadata':{'namespace':'kube-system','name':'agent','generation':7}"

static void test_kube_health_evaluate__daemonset(void **state)
{
	static const struct health_case cases[] = {
		{ "{" DAEMONSET ",'status':{'observedGeneration':6,'desiredNumberScheduled':2,"
		  "'updatedNumberScheduled':2,'numberAvailable':2}}",
		  KUBE_HEALTH_PROGRESSING,
		  "DaemonSet 'kube-system/agent': waiting for the rollout to be observed" },
		{ "{" DAEMONSET ",'status':{'observedGeneration':7,'desiredNumberScheduled':4,"
		  "'updatedNumberScheduled':1,'numberAvailable':4}}",
		  KUBE_HEALTH_PROGRESSING,
		  "DaemonSet 'kube-system/agent': 1 of 4 new pods have been updated" },
		{ "{" DAEMONSET ",'status':{'observedGeneration':7,'desiredNumberScheduled':4,"
		  "'updatedNumberScheduled':4,'numberAvailable':3}}",
		  KUBE_HEALTH_PROGRESSING,
		  "DaemonSet 'kube-system/agent': 3 of 4 updated pods are available" },
		{ "{" DAEMONSET ",'status':{'observedGeneration':7,'desiredNumberScheduled':4,"
		  "'updatedNumberScheduled':4,'numberAvailable':4}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		/* no node to run on */
		{ "{" DAEMONSET ",'status':{'observedGeneration':7,'desiredNumberScheduled':0}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" DAEMONSET ",'spec':{'updateStrategy':{'type':'OnDelete'}},'status':{"
		  "'observedGeneration':7,'desiredNumberScheduled':4,'updatedNumberScheduled':0}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" DAEMONSET ",'spec':{'updateStrategy':{'type':'OnDelete'}},'status':{"
		  "'observedGeneration':2}}",
		  KUBE_HEALTH_PROGRESSING,
		  "DaemonSet 'kube-system/agent': waiting for the rollout to be observed" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

#define JOB "'apiVersion':'batch/v1','kind':'Job','metadata':{'namespace':'ns','name':'migrate'}"

static void test_kube_health_evaluate__job(void **state)
{
	static const struct health_case cases[] = {
		{ "{" JOB ",'status':{'failed':7,'conditions':[{'type':'FailureTarget','status':"
		  "'True'},{'type':'Failed','status':'True','reason':'BackoffLimitExceeded',"
		  "'message':'Job has reached the specified backoff limit'}]}}",
		  KUBE_HEALTH_FAILED,
		  "Job 'ns/migrate': failed: BackoffLimitExceeded: "
		  "Job has reached the specified backoff limit" },
		{ "{" JOB ",'status':{'conditions':[{'type':'Failed','status':'True'}]}}",
		  KUBE_HEALTH_FAILED, "Job 'ns/migrate': failed" },
		/* Failed wins over Complete, whatever the order */
		{ "{" JOB ",'status':{'conditions':[{'type':'Complete','status':'True'},"
		  "{'type':'Failed','status':'True','reason':'DeadlineExceeded'}]}}",
		  KUBE_HEALTH_FAILED, "Job 'ns/migrate': failed: DeadlineExceeded" },
		{ "{" JOB ",'status':{'succeeded':1,'conditions':[{'type':'Failed','status':"
		  "'False'},{'type':'Complete','status':'True'}]}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" JOB ",'status':{'active':1}}", KUBE_HEALTH_PROGRESSING,
		  "Job 'ns/migrate': waiting to complete: 1 active, 0 succeeded" },
		{ "{" JOB ",'status':{'succeeded':2,'conditions':[{'type':'Complete','status':"
		  "'False'}]}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Job 'ns/migrate': waiting to complete: 0 active, 2 succeeded" },
		{ "{" JOB "}", KUBE_HEALTH_PROGRESSING,
		  "Job 'ns/migrate': waiting for the controller to report a status" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

static void test_kube_health_evaluate__job_suspended(void **state)
{
	static const struct health_case cases[] = {
		{ "{" JOB ",'spec':{'suspend':true},'status':{'conditions':[{'type':'Suspended',"
		  "'status':'True'}]}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" JOB ",'spec':{'suspend':true},'status':{}}", KUBE_HEALTH_HEALTHY, NULL },
		/* a suspended Job that failed before it was suspended */
		{ "{" JOB ",'spec':{'suspend':true},'status':{'conditions':[{'type':'Failed',"
		  "'status':'True','reason':'BackoffLimitExceeded'}]}}",
		  KUBE_HEALTH_FAILED, "Job 'ns/migrate': failed: BackoffLimitExceeded" },
		{ "{" JOB ",'spec':{'suspend':false},'status':{}}", KUBE_HEALTH_PROGRESSING,
		  "Job 'ns/migrate': waiting to complete: 0 active, 0 succeeded" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

#define PVC                                                 \
	"'apiVersion':'v1','kind':'PersistentVolumeClaim'," \
	"'metadata':{'namespace':'db','name':'data'}"

static void test_kube_health_evaluate__pvc(void **state)
{
	static const struct health_case cases[] = {
		{ "{" PVC ",'status':{'phase':'Bound'}}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{" PVC ",'status':{'phase':'Lost'}}", KUBE_HEALTH_FAILED,
		  "PersistentVolumeClaim 'db/data': its volume is lost (phase Lost)" },
		{ "{" PVC ",'status':{'phase':'Pending'}}", KUBE_HEALTH_PROGRESSING,
		  "PersistentVolumeClaim 'db/data': waiting to be bound (phase Pending)" },
		{ "{" PVC ",'status':{}}", KUBE_HEALTH_PROGRESSING,
		  "PersistentVolumeClaim 'db/data': waiting to be bound (phase unknown)" },
		{ "{" PVC ",'status':{'phase':1}}", KUBE_HEALTH_PROGRESSING,
		  "PersistentVolumeClaim 'db/data': waiting to be bound (phase unknown)" },
		{ "{" PVC "}", KUBE_HEALTH_PROGRESSING,
		  "PersistentVolumeClaim 'db/data': "
		  "waiting for the controller to report a status" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

#define CRD                                                                         \
	"'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition'," \
	"'metadata':{'name':'widgets.example.com'}"

static void test_kube_health_evaluate__crd(void **state)
{
	static const struct health_case cases[] = {
		{ "{" CRD ",'status':{'conditions':[{'type':'NamesAccepted','status':'True'},"
		  "{'type':'Established','status':'True'}]}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" CRD ",'status':{'conditions':[{'type':'NamesAccepted','status':'True'},"
		  "{'type':'Established','status':'False','reason':'Installing'}]}}",
		  KUBE_HEALTH_PROGRESSING,
		  "CustomResourceDefinition 'widgets.example.com': waiting to be established" },
		{ "{" CRD ",'status':{'conditions':[]}}", KUBE_HEALTH_PROGRESSING,
		  "CustomResourceDefinition 'widgets.example.com': waiting to be established" },
		{ "{" CRD ",'status':{}}", KUBE_HEALTH_PROGRESSING,
		  "CustomResourceDefinition 'widgets.example.com': waiting to be established" },
		{ "{" CRD "}", KUBE_HEALTH_PROGRESSING,
		  "CustomResourceDefinition 'widgets.example.com': "
		  "waiting for the controller to report a status" },
		{ "{" CRD ",'status':{'conditions':[{'type':'NamesAccepted','status':'False',"
		  "'reason':'MultipleNamesNotAllowed','message':'gadgets is already in use'},"
		  "{'type':'Established','status':'True'}]}}",
		  KUBE_HEALTH_FAILED,
		  "CustomResourceDefinition 'widgets.example.com': names not accepted: "
		  "MultipleNamesNotAllowed: gadgets is already in use" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

static void test_kube_health_evaluate__unknown_kind(void **state)
{
	static const struct health_case cases[] = {
		{ "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'ns'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'apps/v1','kind':'ReplicaSet','status':{'readyReplicas':0}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'v1','kind':'Pod','status':{'phase':'Failed'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		/* a kind of the same name in another group */
		{ "{'apiVersion':'example.com/v1','kind':'Deployment','status':{}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'v1','kind':'Deployment'}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'app/v1','kind':'Deployment'}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'appsx/v1','kind':'Deployment'}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'batch/v1','kind':'CronJob'}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'v1','kind':'PersistentVolume','status':{'phase':'Failed'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

/* Fields of the wrong JSON type count as absent; nothing crashes. */
static void test_kube_health_evaluate__garbage_types(void **state)
{
	static const struct health_case cases[] = {
		{ "null", KUBE_HEALTH_HEALTHY, NULL },
		{ "[1,2]", KUBE_HEALTH_HEALTHY, NULL },
		{ "'Deployment'", KUBE_HEALTH_HEALTHY, NULL },
		{ "{}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':1,'kind':'Deployment','status':{}}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'apps/v1','kind':['Deployment']}", KUBE_HEALTH_HEALTHY, NULL },
		{ "{'kind':'Deployment'}", KUBE_HEALTH_HEALTHY, NULL },
		/* status of the wrong type: not looked at yet */
		{ "{" DEPLOYMENT ",'status':'ok'}", KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the controller to report a status" },
		{ "{" DEPLOYMENT ",'status':[]}", KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the controller to report a status" },
		/* no metadata: generation 0, no name */
		{ "{'apiVersion':'apps/v1','kind':'Deployment','metadata':'web','spec':[],"
		  "'status':{'replicas':1,'updatedReplicas':1,'availableReplicas':1}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{'apiVersion':'apps/v1','kind':'Deployment','status':{}}",
		  KUBE_HEALTH_PROGRESSING, "Deployment '': 0 of 1 new replicas have been updated" },
		/* a string replicas is the default 1; string counts are 0 */
		{ "{" DEPLOYMENT ",'spec':{'replicas':'3','paused':'true'},'status':{"
		  "'observedGeneration':'9','replicas':1,'updatedReplicas':1,"
		  "'availableReplicas':1}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': waiting for the rollout to be observed" },
		{ "{" DEPLOYMENT ",'spec':{'replicas':3.0},'status':{'observedGeneration':2,"
		  "'replicas':1,'updatedReplicas':'1','availableReplicas':null}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Deployment 'ns/web': 0 of 1 new replicas have been updated" },
		/* conditions that are not an array, or entries that are not conditions */
		{ "{" DEPLOYMENT ",'status':{'observedGeneration':2,'replicas':1,"
		  "'updatedReplicas':1,'availableReplicas':1,'conditions':{'type':'Progressing',"
		  "'reason':'ProgressDeadlineExceeded'}}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" JOB ",'status':{'conditions':[1,'Failed',null,{'type':3,'status':'True'},"
		  "{'type':'Failed','status':true},{'type':'Complete'}]}}",
		  KUBE_HEALTH_PROGRESSING,
		  "Job 'ns/migrate': waiting to complete: 0 active, 0 succeeded" },
		{ "{" STATEFULSET ",'spec':{'replicas':1,'updateStrategy':'OnDelete'},'status':{"
		  "'observedGeneration':4,'readyReplicas':1,'currentRevision':1,"
		  "'updateRevision':['pg-2']}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" STATEFULSET ",'spec':{'replicas':1,'updateStrategy':{'rollingUpdate':7}},"
		  "'status':{'observedGeneration':4,'readyReplicas':1,'updateRevision':'pg-2'}}",
		  KUBE_HEALTH_PROGRESSING,
		  "StatefulSet 'db/pg': 0 of 1 pods are at revision pg-2" },
		{ "{" DAEMONSET ",'spec':{'updateStrategy':{'type':7}},'status':{"
		  "'observedGeneration':7,'desiredNumberScheduled':'4'}}",
		  KUBE_HEALTH_HEALTHY, NULL },
		{ "{" CRD ",'metadata':{'name':5,'namespace':[]},'status':{'conditions':"
		  "[{'type':'NamesAccepted','status':'False','reason':4,'message':''}]}}",
		  KUBE_HEALTH_FAILED, "CustomResourceDefinition '': names not accepted" },
	};

	(void)state;
	check_cases(cases, ELEMENTSOF(cases));
}

/* A reason is written on every call: NULL when healthy, even over an old value. */
static void test_kube_health_evaluate__reason_reset(void **state)
{
	static char stale[] = "stale";
	json_t *obj = json_test_load("{'apiVersion':'v1','kind':'ConfigMap'}");
	char *reason = stale;

	(void)state;
	assert_int_equal(kube_health_evaluate(obj, &reason), KUBE_HEALTH_HEALTHY);
	assert_null(reason);
	reason = stale;
	assert_int_equal(kube_health_evaluate(NULL, &reason), KUBE_HEALTH_HEALTHY);
	assert_null(reason);
	json_decref(obj);
}

static void test_kube_health_has_rule__kinds(void **state)
{
	(void)state;
	assert_true(kube_health_has_rule("apps", "Deployment"));
	assert_true(kube_health_has_rule("apps", "StatefulSet"));
	assert_true(kube_health_has_rule("apps", "DaemonSet"));
	assert_true(kube_health_has_rule("batch", "Job"));
	assert_true(kube_health_has_rule("", "PersistentVolumeClaim"));
	assert_true(kube_health_has_rule(NULL, "PersistentVolumeClaim"));
	assert_true(kube_health_has_rule("apiextensions.k8s.io", "CustomResourceDefinition"));

	assert_false(kube_health_has_rule("apps", "ReplicaSet"));
	assert_false(kube_health_has_rule("batch", "CronJob"));
	assert_false(kube_health_has_rule("", "ConfigMap"));
	assert_false(kube_health_has_rule("", "Deployment"));
	assert_false(kube_health_has_rule(NULL, "Deployment"));
	assert_false(kube_health_has_rule("app", "Deployment"));
	assert_false(kube_health_has_rule("apps.example.com", "Deployment"));
	assert_false(kube_health_has_rule("core", "PersistentVolumeClaim"));
	assert_false(kube_health_has_rule("apps", "deployment"));
	assert_false(kube_health_has_rule("apps", ""));
	assert_false(kube_health_has_rule("apps", NULL));
}

static void test_kube_health_to_string__names(void **state)
{
	(void)state;
	assert_string_equal(kube_health_to_string(KUBE_HEALTH_HEALTHY), "healthy");
	assert_string_equal(kube_health_to_string(KUBE_HEALTH_PROGRESSING), "progressing");
	assert_string_equal(kube_health_to_string(KUBE_HEALTH_FAILED), "failed");
	assert_null(kube_health_to_string(_KUBE_HEALTH_MAX));
	assert_null(kube_health_to_string(_KUBE_HEALTH_INVALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_health_evaluate__deployment),
		cmocka_unit_test(test_kube_health_evaluate__deployment_failed),
		cmocka_unit_test(test_kube_health_evaluate__statefulset),
		cmocka_unit_test(test_kube_health_evaluate__statefulset_partition),
		cmocka_unit_test(test_kube_health_evaluate__statefulset_on_delete),
		cmocka_unit_test(test_kube_health_evaluate__daemonset),
		cmocka_unit_test(test_kube_health_evaluate__job),
		cmocka_unit_test(test_kube_health_evaluate__job_suspended),
		cmocka_unit_test(test_kube_health_evaluate__pvc),
		cmocka_unit_test(test_kube_health_evaluate__crd),
		cmocka_unit_test(test_kube_health_evaluate__unknown_kind),
		cmocka_unit_test(test_kube_health_evaluate__garbage_types),
		cmocka_unit_test(test_kube_health_evaluate__reason_reset),
		cmocka_unit_test(test_kube_health_has_rule__kinds),
		cmocka_unit_test(test_kube_health_to_string__names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
