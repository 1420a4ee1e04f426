/* test_sim_prune.c: custom resources lose the fields their CRD's structural schema does
 * not declare, as a real API server prunes them (tests/lab/FINDINGS.md, S11): on create,
 * update, status writes and patches; x-kubernetes-preserve-unknown-fields,
 * additionalProperties, arrays, embedded resources and int-or-string as upstream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "objects/admin.h"
#include "objects/prune.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"

/* JSON written with single quotes, for readability: a new string. */
static char *dq(const char *s)
{
	char *r = strdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static json_t *J(const char *s)
{
	char *t = dq(s);
	json_error_t err;
	json_t *v = json_loads(t, 0, &err);
	if (!v)
		print_error("bad JSON: %s: %s\n", err.text, t);
	free(t);
	assert_non_null(v);
	return v;
}

static json_t *at(const json_t *v, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	const json_t *cur = v;
	for (char *k = strtok_r(copy, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(k))
					 : json_object_get(cur, k);
	free(copy);
	return (json_t *)cur;
}

static const char schema[] =
    "{'type':'object','properties':{"
    "'spec':{'type':'object','properties':{"
    "'size':{'type':'integer'},"
    "'port':{'x-kubernetes-int-or-string':true},"
    "'labels':{'type':'object','additionalProperties':{'type':'object','properties':{"
    "'value':{'type':'string'}}}},"
    "'tags':{'type':'object','additionalProperties':true},"
    "'items':{'type':'array','items':{'type':'object','properties':{'name':{'type':'string'}}}},"
    "'raw':{'type':'object','x-kubernetes-preserve-unknown-fields':true,'properties':{"
    "'inner':{'type':'object','properties':{'a':{'type':'string'}}}}},"
    "'template':{'type':'object','x-kubernetes-embedded-resource':true,'properties':{"
    "'spec':{'type':'object','properties':{'x':{'type':'string'}}}}}}},"
    "'status':{'type':'object','properties':{'phase':{'type':'string'}}}}}";

#define WIDGETS "/apis/example.com/v1/namespaces/default/widgets"

/* widgets.example.com: v1 (storage, status subresource, the schema above) and v1alpha1
 * (served, no schema); crd_extra goes into the CRD's spec. */
static void make_crd(void **state, const char *crd_extra)
{
	char *s = dq(schema), *extra = dq(crd_extra);
	char *crd = dq("{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition',"
		       "'metadata':{'name':'widgets.example.com'},'spec':{'group':'example.com',"
		       "'scope':'Namespaced','names':{'plural':'widgets','singular':'widget',"
		       "'kind':'Widget','listKind':'WidgetList'},"
		       "'versions':[{'name':'v1','served':true,'storage':true,"
		       "'subresources':{'status':{}},'schema':{'openAPIV3Schema':SCHEMA}},"
		       "{'name':'v1alpha1','served':true,'storage':false}]EXTRA}}");
	size_t n = strlen(crd) + strlen(s) + strlen(extra) + 1;
	char *body = malloc(n), *sp = strstr(crd, "SCHEMA"), *ep = strstr(crd, "EXTRA");
	snprintf(body, n, "%.*s%s%.*s%s%s", (int)(sp - crd), crd, s, (int)(ep - sp - 6), sp + 6,
		 extra, ep + 5);
	int st;
	json_t *v = sim_test_scall(
	    state, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body, &st);
	if (st != 201)
		print_error("%s\n", sim_test_str(v, "message"));
	assert_int_equal(st, 201);
	json_decref(v);
	free(body);
	free(crd);
	free(s);
	free(extra);
}

static json_t *call(void **state, const char *method, const char *url, const char *ctype,
		    const char *body, int want)
{
	char *b = body ? dq(body) : NULL;
	int st;
	json_t *v = sim_test_call_as(*state, &sim_test_admin, method, url, ctype, b, &st);
	if (st != want)
		print_error("%s %s: %d %s\n", method, url, st, sim_test_str(v, "message"));
	assert_int_equal(st, want);
	free(b);
	return v;
}

static const char widget[] =
    "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w',"
    "'labels':{'a':'b'},'annotations':{'x':'y'}},'junk':1,"
    "'spec':{'size':3,'bogus':'x','port':'http',"
    "'labels':{'k1':{'value':'v','junk':1},'k2':{'value':'w'}},"
    "'tags':{'any':{'deep':[1,2]}},"
    "'items':[{'name':'a','junk':1},{'name':'b'}],"
    "'raw':{'anything':{'goes':true},'inner':{'a':'x','b':'dropped'}},"
    "'template':{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'l':'v'}},"
    "'spec':{'x':'kept','y':'dropped'},'junk':2}},"
    "'status':{'phase':'Ready','server':'dropped'}}";

/* Every rule on one create: spec, root, maps, arrays, preserve, embedded, int-or-string. */
static void test_create(void **state)
{
	make_crd(state, "");
	json_t *v = call(state, "POST", WIDGETS, "application/json", widget, 201);
	assert_null(at(v, "junk"));
	assert_null(at(v, "spec.bogus"));
	assert_int_equal(json_integer_value(at(v, "spec.size")), 3);
	assert_string_equal(json_string_value(at(v, "spec.port")), "http");
	assert_null(at(v, "spec.labels.k1.junk"));
	assert_string_equal(json_string_value(at(v, "spec.labels.k1.value")), "v");
	assert_string_equal(json_string_value(at(v, "spec.labels.k2.value")), "w");
	assert_int_equal(json_integer_value(at(v, "spec.tags.any.deep.1")), 2);
	assert_null(at(v, "spec.items.0.junk"));
	assert_string_equal(json_string_value(at(v, "spec.items.0.name")), "a");
	assert_string_equal(json_string_value(at(v, "spec.items.1.name")), "b");
	assert_true(json_is_true(at(v, "spec.raw.anything.goes")));
	assert_string_equal(json_string_value(at(v, "spec.raw.inner.a")), "x");
	assert_null(at(v, "spec.raw.inner.b"));
	assert_string_equal(json_string_value(at(v, "spec.template.apiVersion")), "v1");
	assert_string_equal(json_string_value(at(v, "spec.template.kind")), "Pod");
	assert_string_equal(json_string_value(at(v, "spec.template.metadata.labels.l")), "v");
	assert_string_equal(json_string_value(at(v, "spec.template.spec.x")), "kept");
	assert_null(at(v, "spec.template.spec.y"));
	assert_null(at(v, "spec.template.junk"));
	/* the resource's own apiVersion, kind, metadata */
	assert_string_equal(json_string_value(at(v, "apiVersion")), "example.com/v1");
	assert_string_equal(json_string_value(at(v, "kind")), "Widget");
	assert_string_equal(json_string_value(at(v, "metadata.labels.a")), "b");
	assert_string_equal(json_string_value(at(v, "metadata.annotations.x")), "y");
	assert_non_null(at(v, "metadata.uid"));
	assert_non_null(at(v, "metadata.resourceVersion"));
	assert_int_equal(json_integer_value(at(v, "metadata.generation")), 1);
	json_decref(v);
	/* as stored (a GET), the same */
	v = call(state, "GET", WIDGETS "/w", NULL, NULL, 200);
	assert_null(at(v, "spec.bogus"));
	assert_null(at(v, "spec.items.0.junk"));
	json_decref(v);
}

/* Status on create through the object API (a scenario's, a controller's): pruned too. */
static void test_create_status(void **state)
{
	make_crd(state, "");
	char *cause = NULL;
	assert_int_equal(sim_api_create(*state, J(widget), &cause), 0);
	json_t *v = sim_api_get(*state, "example.com", "widgets", "default", "w");
	assert_string_equal(json_string_value(at(v, "status.phase")), "Ready");
	assert_null(at(v, "status.server"));
	assert_null(at(v, "spec.bogus"));
	json_decref(v);
}

/* PUT: unknown fields dropped; an update that only adds them changes nothing. */
static void test_update(void **state)
{
	make_crd(state, "");
	json_decref(call(state, "POST", WIDGETS, "application/json", widget, 201));
	json_t *v = call(state, "PUT", WIDGETS "/w", "application/json",
			 "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},"
			 "'spec':{'size':3,'port':'http','extra':{'a':1}},'more':true}",
			 200);
	assert_null(at(v, "spec.extra"));
	assert_null(at(v, "more"));
	assert_int_equal(json_integer_value(at(v, "spec.size")), 3);
	assert_int_equal(json_integer_value(at(v, "metadata.generation")), 2);
	const char *rv = json_string_value(at(v, "metadata.resourceVersion"));
	char *body = dq("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},"
			"'spec':{'size':3,'port':'http','other':'x'}}");
	int st;
	json_t *v2 = sim_test_call(*state, "PUT", WIDGETS "/w", body, &st);
	assert_int_equal(st, 200);
	/* nothing left to change: the same object, same resourceVersion and generation */
	assert_string_equal(json_string_value(at(v2, "metadata.resourceVersion")), rv);
	assert_int_equal(json_integer_value(at(v2, "metadata.generation")), 2);
	assert_null(at(v2, "spec.other"));
	json_decref(v2);
	json_decref(v);
	free(body);
}

/* PUT and merge patch of the status subresource, merge patch of the resource. */
static void test_status_and_patch(void **state)
{
	make_crd(state, "");
	json_decref(call(state, "POST", WIDGETS, "application/json", widget, 201));
	json_t *v = call(state, "PUT", WIDGETS "/w/status", "application/json",
			 "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},"
			 "'status':{'phase':'Running','server':'http://x'}}",
			 200);
	assert_string_equal(json_string_value(at(v, "status.phase")), "Running");
	assert_null(at(v, "status.server"));
	json_decref(v);
	v = call(state, "PATCH", WIDGETS "/w/status", "application/merge-patch+json",
		 "{'status':{'phase':'Done','server':'http://y','lastProbeTime':'now'}}", 200);
	assert_string_equal(json_string_value(at(v, "status.phase")), "Done");
	assert_null(at(v, "status.server"));
	assert_null(at(v, "status.lastProbeTime"));
	json_decref(v);
	v = call(state, "PATCH", WIDGETS "/w", "application/merge-patch+json",
		 "{'spec':{'size':5,'extra':1,'items':[{'name':'c','junk':true}]},'top':1}", 200);
	assert_int_equal(json_integer_value(at(v, "spec.size")), 5);
	assert_null(at(v, "spec.extra"));
	assert_null(at(v, "top"));
	assert_string_equal(json_string_value(at(v, "spec.items.0.name")), "c");
	assert_null(at(v, "spec.items.0.junk"));
	json_decref(v);
	v = call(state, "PATCH", WIDGETS "/w", "application/json-patch+json",
		 "[{'op':'add','path':'/spec/added','value':1}]", 200);
	assert_null(at(v, "spec.added"));
	json_decref(v);
	v = sim_api_get(*state, "example.com", "widgets", "default", "w");
	assert_null(at(v, "status.server"));
	assert_null(at(v, "spec.extra"));
	json_decref(v);
}

/* A version without schema keeps everything; so does preserveUnknownFields: true. */
static void test_no_schema(void **state)
{
	make_crd(state, "");
	json_t *v = call(state, "POST", "/apis/example.com/v1alpha1/namespaces/default/widgets",
			 "application/json",
			 "{'apiVersion':'example.com/v1alpha1','kind':'Widget','metadata':{'name':"
			 "'w'},'spec':{'bogus':'x','size':1},'junk':1}",
			 201);
	assert_string_equal(json_string_value(at(v, "spec.bogus")), "x");
	assert_int_equal(json_integer_value(at(v, "junk")), 1);
	json_decref(v);
}

static void test_preserve_crd(void **state)
{
	make_crd(state, ",'preserveUnknownFields':true");
	json_t *v = call(state, "POST", WIDGETS, "application/json", widget, 201);
	assert_string_equal(json_string_value(at(v, "spec.bogus")), "x");
	assert_int_equal(json_integer_value(at(v, "junk")), 1);
	json_decref(v);
}

/* sim_prune itself: a root that preserves unknown fields, and nothing changed in place. */
static void test_prune_shared(void **state)
{
	(void)state;
	json_t *s = J("{'type':'object','x-kubernetes-preserve-unknown-fields':true,'properties':{"
		      "'spec':{'type':'object','properties':{'a':{'type':'string'}}}}}");
	json_t *spec = J("{'a':'x','b':'y'}");
	json_t *other = J("{'k':1}");
	json_t *o = json_pack("{s:s, s:O, s:O}", "kind", "K", "spec", spec, "other", other);
	json_t *r = sim_prune(s, json_incref(o));
	assert_ptr_not_equal(r, o);
	assert_null(at(r, "spec.b"));
	assert_ptr_equal(at(r, "other"), other);		      /* kept subtrees are shared */
	assert_string_equal(json_string_value(at(o, "spec.b")), "y"); /* o untouched */
	json_t *same = sim_prune(s, json_incref(r));
	assert_ptr_equal(same, r); /* nothing to prune: the object itself */
	json_decref(same);
	assert_ptr_equal(sim_prune(NULL, r), r);
	json_decref(r);
	json_decref(o);
	json_decref(spec);
	json_decref(other);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_create_status, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_update, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_status_and_patch, sim_test_setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_no_schema, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_preserve_crd, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test(test_prune_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
