#!/usr/bin/env python3
"""Generate agent/render/smp-schema.c: the OpenAPI facts kustomize's strategic merge uses.

    scripts/gen-smp-schema.py                      # needs go and the Go module proxy
    scripts/gen-smp-schema.py --schema FILE.json   # or a dump made earlier

kustomize v5.5 (kyaml v0.18.1) merges a patch into a resource with the OpenAPI schema
compiled into kyaml: the Kubernetes v1.21.2 swagger plus kustomize's own types. It looks the
schema up by the resource's apiVersion and kind (x-kubernetes-group-version-kind), walks it
field by field (properties, then additionalProperties) and element by element (items),
following $ref, and merges a list by key only when its schema says
x-kubernetes-patch-strategy "merge" (keys: x-kubernetes-list-map-keys, else
x-kubernetes-patch-merge-key).

The schema is read from kyaml itself: a throw-away Go program prints kyaml's parsed schema
as JSON. This script keeps what the merge looks at: for every schema reachable from a
resource type, whether it is an array, its merge strategy and keys, the schema of each
property, of additionalProperties and of the items. Equal inline schemas share one node.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

KYAML = "sigs.k8s.io/kustomize/kyaml@v0.18.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "agent", "render", "smp-schema.c")
MAX_KEYS = 3

DUMP_GO = """package main

import (
	"encoding/json"
	"os"

	"sigs.k8s.io/kustomize/kyaml/openapi"
)

func main() {
	b, err := json.Marshal(openapi.Schema())
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(b)
}
"""


def dump_schema():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "main.go"), "w") as f:
            f.write(DUMP_GO)
        with open(os.path.join(tmp, "go.mod"), "w") as f:
            f.write("module smpdump\n\ngo 1.22\n")
        env = dict(os.environ, GOFLAGS="-mod=mod")
        subprocess.run(["go", "get", KYAML], cwd=tmp, env=env, check=True,
                       capture_output=True)
        out = subprocess.run(["go", "run", "."], cwd=tmp, env=env, check=True,
                             capture_output=True)
        return json.loads(out.stdout)


class Builder:
    def __init__(self, definitions):
        self.defs = definitions
        self.nodes = []  # [is_array, merge, keys, fields, items, additional]
        self.by_def = {}
        self.by_content = {}

    def resolve(self, schema):
        """Follow $ref like kyaml does; returns (definition name or None, schema)."""
        name = None
        while "$ref" in schema:
            ref = schema["$ref"]
            prefix = "#/definitions/"
            if not ref.startswith(prefix) or ref[len(prefix):] not in self.defs:
                return None, None  # kyaml gives up: no schema
            name = ref[len(prefix):]
            schema = self.defs[name]
        return name, schema

    def node(self, schema):
        """Node index for a (possibly $ref) schema, or -1 when kyaml would find none."""
        name, schema = self.resolve(schema)
        if schema is None:
            return -1
        if name is not None:
            if name in self.by_def:
                return self.by_def[name]
            index = len(self.nodes)
            self.by_def[name] = index
            self.nodes.append(None)
            self.nodes[index] = self.content(schema)
            return index
        content = self.content(schema)
        key = repr(content)
        if key not in self.by_content:
            self.by_content[key] = len(self.nodes)
            self.nodes.append(content)
        return self.by_content[key]

    def content(self, schema):
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        is_array = types == ["array"]
        merge, keys = False, []
        strategy = schema.get("x-kubernetes-patch-strategy")
        if strategy is not None:
            merge = "merge" in strategy.split(",")
            if "x-kubernetes-list-map-keys" in schema:
                keys = list(schema["x-kubernetes-list-map-keys"])
            elif "x-kubernetes-patch-merge-key" in schema:
                keys = [schema["x-kubernetes-patch-merge-key"]]
        assert len(keys) <= MAX_KEYS, keys
        fields = []
        for prop in sorted(schema.get("properties", {}), key=lambda s: s.encode()):
            fields.append((prop, self.node(schema["properties"][prop])))
        items = -1
        if is_array and isinstance(schema.get("items"), dict):
            items = self.node(schema["items"])
        additional = -1
        if isinstance(schema.get("additionalProperties"), dict):
            additional = self.node(schema["additionalProperties"])
        return (is_array, merge, tuple(keys), tuple(fields), items, additional)


def c_string(s):
    return json.dumps(s)


def generate(schema):
    defs = schema["definitions"]
    builder = Builder(defs)
    types = {}
    for name in sorted(defs):
        for gvk in defs[name].get("x-kubernetes-group-version-kind", []):
            version = gvk["version"]
            if gvk.get("group"):
                version = gvk["group"] + "/" + version
            key = (version, gvk["kind"])
            if key in types:
                sys.exit("%s/%s is claimed by two definitions" % key)
            types[key] = builder.node({"$ref": "#/definitions/" + name})
    nodes = builder.nodes
    assert len(nodes) < 32767

    out = []
    out.append("/* Generated by scripts/gen-smp-schema.py from %s; do not edit. */" % KYAML)
    out.append("/* clang-format off */")
    out.append('#include "render/internal.h"')
    out.append("")
    out.append("#include <stddef.h>")
    out.append("")
    out.append("static const struct render_smp_field fields[] = {")
    first = []
    n = 0
    for node in nodes:
        first.append(n)
        for name, index in node[3]:
            out.append("\t{ %s, %d }," % (c_string(name), index))
            n += 1
    if n == 0:
        out.append("\t{ NULL, -1 },")
    out.append("};")
    out.append("")
    out.append("static const struct render_smp_node nodes[] = {")
    for i, (is_array, merge, keys, fields, items, additional) in enumerate(nodes):
        keys_c = ", ".join(c_string(k) for k in keys) if keys else "NULL"
        out.append("\t{ .fields = %d, .n_fields = %d, .items = %d, .additional = %d, "
                   ".is_array = %s, .merge = %s, .keys = { %s } }," %
                   (first[i], len(fields), items, additional,
                    "true" if is_array else "false", "true" if merge else "false", keys_c))
    out.append("};")
    out.append("")
    out.append("static const struct render_smp_type types[] = {")
    for (version, kind) in sorted(types, key=lambda t: (t[0].encode(), t[1].encode())):
        out.append("\t{ %s, %s, %d }," % (c_string(version), c_string(kind),
                                           types[(version, kind)]))
    out.append("};")
    out.append("")
    out.append("static const struct render_smp_schema schema = {")
    out.append("\t.nodes = nodes,")
    out.append("\t.n_nodes = sizeof(nodes) / sizeof(nodes[0]),")
    out.append("\t.fields = fields,")
    out.append("\t.types = types,")
    out.append("\t.n_types = sizeof(types) / sizeof(types[0]),")
    out.append("};")
    out.append("")
    out.append("const struct render_smp_schema *render_smp_schema(void)")
    out.append("{")
    out.append("\treturn &schema;")
    out.append("}")
    return "\n".join(out) + "\n", len(nodes), n, len(types)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schema", help="kyaml's schema as JSON instead of running go")
    parser.add_argument("--output", default=OUT)
    args = parser.parse_args()
    if args.schema:
        with open(args.schema) as f:
            schema = json.load(f)
    else:
        schema = dump_schema()
    text, n_nodes, n_fields, n_types = generate(schema)
    with open(args.output, "w") as f:
        f.write(text)
    print("%s: %d nodes, %d fields, %d types" % (args.output, n_nodes, n_fields, n_types))


if __name__ == "__main__":
    main()
