package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDeploy copies ../../deploy's validated files into a temporary
// directory, applying edits (file → old → new), and returns it.
func copyDeploy(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"compose.yaml", "envoy/envoy.yaml", "kubernetes/motcua.yaml", "kubernetes/postgres.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if e, ok := edits[f]; ok {
			if !strings.Contains(s, e[0]) {
				t.Fatalf("%s does not contain %q", f, e[0])
			}
			s = strings.Replace(s, e[0], e[1], 1)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDeployFilesPass(t *testing.T) {
	problems, summary := checkDir(filepath.Join("..", "..", "deploy"))
	if len(problems) > 0 {
		t.Fatalf("deploy/ has problems:\n%s", strings.Join(problems, "\n"))
	}
	if !strings.Contains(summary, "10 Kubernetes objects") {
		t.Errorf("summary %q", summary)
	}
}

// Each broken copy must be caught, with a message naming the problem.
func TestDeployCheckCatches(t *testing.T) {
	cases := []struct {
		name string
		file string
		edit [2]string
		want string
	}{
		{"misspelt field", "kubernetes/motcua.yaml", [2]string{"readinessProbe:", "readinesProbe:"}, `Deployment: error unmarshaling JSON: while decoding JSON: json: unknown field "readinesProbe"`},
		{"duplicate key", "kubernetes/motcua.yaml", [2]string{"  replicas: 3\n", "  replicas: 3\n  replicas: 4\n"}, "already set"},
		{"unknown kind", "kubernetes/motcua.yaml", [2]string{"apiVersion: policy/v1", "apiVersion: policy/v1beta1"}, "unknown apiVersion/kind"},
		{"writable root", "kubernetes/motcua.yaml", [2]string{"            readOnlyRootFilesystem: true\n            capabilities: {drop: [\"ALL\"]}\n          resources:\n            requests: {cpu: 250m",
			"            readOnlyRootFilesystem: false\n            capabilities: {drop: [\"ALL\"]}\n          resources:\n            requests: {cpu: 250m"}, "Deployment motcua: container motcua: securityContext.readOnlyRootFilesystem must be true"},
		{"root pod", "kubernetes/motcua.yaml", [2]string{"runAsNonRoot: true", "runAsNonRoot: false"}, "Job motcua-migrate: securityContext.runAsNonRoot must be true"},
		{"no preStop", "kubernetes/motcua.yaml", [2]string{"            preStop:\n              sleep: {seconds: 10}\n", ""}, "needs a preStop drain"},
		{"short grace", "kubernetes/motcua.yaml", [2]string{"terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 25"}, "must exceed the preStop sleep"},
		{"ClusterIP for gRPC", "kubernetes/motcua.yaml", [2]string{"  clusterIP: None\n", ""}, "no headless Service"},
		{"wrong target port", "kubernetes/motcua.yaml", [2]string{"targetPort: grpc", "targetPort: grpcs"}, `targetPort "grpcs" is no container port`},
		{"demo catalog", "kubernetes/motcua.yaml", [2]string{"MOTCUA_DEMO_CATALOG: never", "MOTCUA_DEMO_CATALOG: always"}, "MOTCUA_DEMO_CATALOG must be never"},
		{"development key", "kubernetes/motcua.yaml", [2]string{"  MOTCUA_JWT_KEYS_FILE: /etc/motcua/keys/jwt-keys.json\n", ""}, "would use a development key"},
		{"latest image", "kubernetes/motcua.yaml", [2]string{"image: registry.example.gov.vn/motcua:1.0.0\n          args: [\"serve\"]", "image: registry.example.gov.vn/motcua:latest\n          args: [\"serve\"]"}, "image must name a version tag"},
		{"HPA of one", "kubernetes/motcua.yaml", [2]string{"minReplicas: 3", "minReplicas: 1"}, "minReplicas must be at least 2"},
		{"no replica", "kubernetes/postgres.yaml", [2]string{"instances: 3", "instances: 1"}, "a primary and at least one replica"},
		{"no WAL archive", "kubernetes/postgres.yaml", [2]string{"      wal:\n        compression: gzip\n        maxParallel: 2\n", ""}, "without WAL archiving"},
		{"backup of another cluster", "kubernetes/postgres.yaml", [2]string{"    name: motcua-db\n", "    name: motcua-pg\n"}, `spec.cluster.name "motcua-pg" is no Cluster`},
		{"CNPG field typo", "kubernetes/postgres.yaml", [2]string{"retentionPolicy:", "retention:"}, `Cluster: error unmarshaling JSON: while decoding JSON: json: unknown field "retention"`},
		{"compose default issuer", "compose.yaml", [2]string{"${MOTCUA_JWT_ISSUER:?set MOTCUA_JWT_ISSUER}", "${MOTCUA_JWT_ISSUER:-motcua-dev}"}, "loads without MOTCUA_JWT_ISSUER"},
		{"compose one replica", "compose.yaml", [2]string{"replicas: 2", "replicas: 1"}, "deploy.replicas must be at least 2"},
		{"compose schema", "compose.yaml", [2]string{"stop_grace_period: 30s", "stop_grace_periods: 30s"}, "stop_grace_periods"},
		{"compose no health", "compose.yaml", [2]string{`"/usr/local/bin/motcua", "health"`, `"/usr/local/bin/motcua", "version"`}, "must run `motcua health`"},
		{"envoy typo", "envoy/envoy.yaml", [2]string{"dns_refresh_rate: 5s\n      lb_policy: ROUND_ROBIN\n      connect_timeout: 2s\n      typed_extension_protocol_options",
			"dns_refresh_rate: 5s\n      lb_polcy: ROUND_ROBIN\n      connect_timeout: 2s\n      typed_extension_protocol_options"}, "lb_polcy"},
		{"envoy HTTP/1 to gRPC", "envoy/envoy.yaml", [2]string{"          explicit_http_config:\n            http2_protocol_options: {}\n", "          explicit_http_config:\n            http_protocol_options: {}\n"}, "gRPC needs explicit HTTP/2"},
		{"envoy trusts forwarded", "envoy/envoy.yaml", [2]string{"                stat_prefix: http\n                codec_type: AUTO\n                use_remote_address: true\n",
			"                stat_prefix: http\n                codec_type: AUTO\n                use_remote_address: false\n"}, "listener http: use_remote_address must be true"},
		{"envoy stream timeout", "envoy/envoy.yaml", [2]string{"route: {cluster: motcua_http, timeout: 0s}", "route: {cluster: motcua_http, timeout: 60s}"}, "needs timeout: 0s"},
		{"compose no trusted proxies", "compose.yaml", [2]string{"      MOTCUA_TRUSTED_PROXIES: 172.30.50.10/32\n", ""}, "MOTCUA_TRUSTED_PROXIES is not set"},
		{"compose proxies miss envoy", "compose.yaml", [2]string{"MOTCUA_TRUSTED_PROXIES: 172.30.50.10/32", "MOTCUA_TRUSTED_PROXIES: 172.30.50.11/32"}, "must contain envoy's fixed address"},
		{"kubernetes no trusted proxies", "kubernetes/motcua.yaml", [2]string{"  MOTCUA_TRUSTED_PROXIES: 10.244.0.0/16", "  MOTCUA_TRUSTED_PROXIES: 10.244.0.0"}, "MOTCUA_TRUSTED_PROXIES \"10.244.0.0\""},
		{"envoy bad value", "envoy/envoy.yaml", [2]string{"port_value: 50051}\n      filter_chains", "port_value: 650051}\n      filter_chains"}, "PortValue"},
		{"envoy unknown cluster", "envoy/envoy.yaml", [2]string{"cluster: motcua_grpc, timeout: 0s", "cluster: motcua, timeout: 0s"}, `route to unknown cluster "motcua"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDeploy(t, map[string][2]string{c.file: c.edit})
			problems, _ := checkDir(dir)
			all := strings.Join(problems, "\n")
			if !strings.Contains(all, c.want) {
				t.Errorf("want a problem containing %q, got:\n%s", c.want, all)
			}
		})
	}
}
