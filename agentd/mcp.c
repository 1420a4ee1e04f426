/* mcp.c: JSON-RPC 2.0 and Server-Sent Events parsing for the MCP probe (mcp.h). */
#include "mcp.h"

#include <stdio.h>
#include <string.h>

#include "util/xmalloc.h"

void mcp_sse_init(struct mcp_sse *s)
{
	memset(s, 0, sizeof(*s));
	buf_init(&s->line);
	buf_init(&s->data);
}

void mcp_sse_release(struct mcp_sse *s)
{
	buf_release(&s->line);
	buf_release(&s->data);
}

static void sse_reset_event(struct mcp_sse *s)
{
	buf_reset(&s->data);
	s->event[0] = '\0';
}

/* A complete line: a field, a comment, or (empty) the end of an event. */
static int sse_line(struct mcp_sse *s, mcp_sse_fn fn, void *arg)
{
	const char *l = s->line.data;
	size_t n = s->line.len;
	if (n == 0) {
		int stop = 0;
		if (s->data.len > 0 || s->event[0]) {
			/* the data buffer ends with the '\n' of its last line */
			size_t len = s->data.len;
			if (len > 0 && s->data.data[len - 1] == '\n')
				len--;
			stop = fn(s->event[0] ? s->event : "message", s->data.data, len, arg);
		}
		sse_reset_event(s);
		return stop != 0;
	}
	if (l[0] == ':')
		return 0; /* comment */
	const char *colon = memchr(l, ':', n);
	size_t flen = colon ? (size_t)(colon - l) : n;
	const char *v = colon ? colon + 1 : l + n;
	if (colon && v < l + n && *v == ' ')
		v++;
	size_t vlen = (size_t)(l + n - v);
	if (flen == 4 && !memcmp(l, "data", 4)) {
		if (s->data.len + vlen + 1 > MCP_SSE_EVENT_MAX)
			return -1;
		buf_add(&s->data, v, vlen);
		buf_addc(&s->data, '\n');
	} else if (flen == 5 && !memcmp(l, "event", 5)) {
		size_t k = vlen < sizeof(s->event) - 1 ? vlen : sizeof(s->event) - 1;
		memcpy(s->event, v, k);
		s->event[k] = '\0';
	}
	return 0; /* id, retry and unknown fields are ignored */
}

int mcp_sse_feed(struct mcp_sse *s, const char *p, size_t n, mcp_sse_fn fn, void *arg)
{
	if (s->stopped)
		return 1;
	if (s->overflow)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\n' && s->cr) {
			s->cr = false;
			continue; /* the '\n' of "\r\n" */
		}
		s->cr = c == '\r';
		if (c == '\r' || c == '\n') {
			int rc = sse_line(s, fn, arg);
			buf_reset(&s->line);
			if (rc < 0) {
				s->overflow = true;
				return -1;
			}
			if (rc > 0) {
				s->stopped = true;
				return 1;
			}
			continue;
		}
		if (s->line.len >= MCP_SSE_EVENT_MAX) {
			s->overflow = true;
			return -1;
		}
		buf_addc(&s->line, c);
	}
	return 0;
}

char *mcp_request(long id, const char *method, json_t *params)
{
	json_t *o = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
	if (id >= 0)
		json_object_set_new(o, "id", json_integer(id));
	if (params)
		json_object_set_new(o, "params", params);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static bool id_matches(const json_t *v, long id)
{
	if (json_is_integer(v))
		return json_integer_value(v) == id;
	if (json_is_string(v)) {
		char want[32];
		snprintf(want, sizeof(want), "%ld", id);
		return !strcmp(json_string_value(v), want);
	}
	return false;
}

static void error_text(const json_t *e, char *err, size_t errlen)
{
	const json_t *code = json_object_get(e, "code");
	const char *msg = json_string_value(json_object_get(e, "message"));
	snprintf(err, errlen, "JSON-RPC error %lld: %.200s",
		 json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
		 msg ? msg : "(no message)");
}

int mcp_response(const char *text, size_t len, long id, json_t **result, char *err, size_t errlen)
{
	*result = NULL;
	json_error_t je;
	json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(m)) {
		snprintf(err, errlen, "not a JSON-RPC message: %s", m ? "not an object" : je.text);
		json_decref(m);
		return -1;
	}
	int rc = -1;
	const char *ver = json_string_value(json_object_get(m, "jsonrpc"));
	json_t *vid = json_object_get(m, "id");
	json_t *res = json_object_get(m, "result");
	json_t *e = json_object_get(m, "error");
	if (!ver || strcmp(ver, "2.0") != 0) {
		snprintf(err, errlen, "not a JSON-RPC 2.0 message (jsonrpc is not \"2.0\")");
	} else if (json_object_get(m, "method")) {
		rc = 0; /* a request or notification from the server */
	} else if (!vid || !id_matches(vid, id)) {
		rc = 0;
	} else if (json_is_object(e)) {
		error_text(e, err, errlen);
	} else if (!res || e) {
		snprintf(err, errlen, "JSON-RPC response without a result");
	} else {
		*result = json_incref(res);
		rc = 1;
	}
	json_decref(m);
	return rc;
}

int mcp_initialize_result(const json_t *result, json_t **server, char *err, size_t errlen)
{
	*server = NULL;
	if (!json_is_object(result) ||
	    !json_is_string(json_object_get(result, "protocolVersion"))) {
		snprintf(err, errlen, "initialize result has no protocolVersion");
		return -1;
	}
	json_t *si = json_object_get(result, "serverInfo");
	if (si && !json_is_object(si)) {
		snprintf(err, errlen, "initialize result's serverInfo is not an object");
		return -1;
	}
	if (si) {
		json_t *name = json_object_get(si, "name");
		json_t *ver = json_object_get(si, "version");
		*server = json_object();
		if (json_is_string(name))
			json_object_set(*server, "name", name);
		if (json_is_string(ver))
			json_object_set(*server, "version", ver);
	}
	return 0;
}

int mcp_tools_page(const json_t *result, json_t *names, char **next, char *err, size_t errlen)
{
	*next = NULL;
	json_t *tools = json_object_get(result, "tools");
	if (!json_is_array(tools)) {
		snprintf(err, errlen, "tools/list result has no tools array");
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tools, i, t) {
		json_t *name = json_object_get(t, "name");
		if (!json_is_string(name)) {
			snprintf(err, errlen, "tools/list: tool %zu has no name", i);
			return -1;
		}
		json_array_append(names, name);
	}
	const char *c = json_string_value(json_object_get(result, "nextCursor"));
	if (c && *c)
		*next = xstrdup(c);
	return 0;
}
