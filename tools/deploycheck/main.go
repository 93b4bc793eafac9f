// Command deploycheck validates the deployment files under deploy/ offline
// (no cluster, no container engine, no network):
//
//   - every Kubernetes document is decoded strictly (unknown or duplicate
//     fields rejected) into the official Go types of its kind (k8s.io/api,
//     and the CloudNativePG API for Cluster and ScheduledBackup); an unknown
//     apiVersion/kind is an error; then the project's rules are checked
//     (security context, probes, drain, selectors, references, backups);
//   - compose.yaml is loaded by the Compose specification's own loader
//     (compose-go, with its JSON schema), then checked the same way;
//   - the Envoy configuration is decoded strictly into Envoy's bootstrap
//     protobuf (go-control-plane), its generated validation rules are run,
//     and its routes and clusters are checked.
//
// Usage: deploycheck DEPLOY_DIR (make lint runs it on deploy/). It prints
// every problem with its file and document and exits 1 if there is one.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: deploycheck DEPLOY_DIR")
		os.Exit(2)
	}
	problems, summary := checkDir(os.Args[1])
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "deploycheck: %d problems\n", len(problems))
		os.Exit(1)
	}
	fmt.Println("deploycheck:", summary)
}

// checkDir validates deploy/kubernetes/*.yaml, deploy/compose.yaml and
// deploy/envoy/envoy.yaml.
func checkDir(dir string) (problems []string, summary string) {
	files, _ := filepath.Glob(filepath.Join(dir, "kubernetes", "*.yaml"))
	sort.Strings(files)
	if len(files) == 0 {
		return []string{dir + "/kubernetes: no manifests"}, ""
	}
	k, err := loadKubernetes(files)
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		problems = append(problems, k.check()...)
	}
	envoyPath := filepath.Join(dir, "envoy", "envoy.yaml")
	problems = append(problems, checkCompose(filepath.Join(dir, "compose.yaml"), envoyPath)...)
	problems = append(problems, checkEnvoy(envoyPath)...)
	n := 0
	if k != nil {
		n = len(k.objects)
	}
	return problems, fmt.Sprintf("%d Kubernetes objects in %d files, compose.yaml and envoy.yaml are valid", n, len(files))
}
