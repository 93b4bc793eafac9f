package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cnpg "github.com/cloudnative-pg/api/pkg/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// object is one decoded document.
type object struct {
	where string // file:line (document n)
	kind  string // apiVersion/kind
	name  string
	obj   any
}

type manifests struct{ objects []object }

// kinds maps apiVersion/kind to a new typed object. Anything else is an
// error: a typo in apiVersion would otherwise pass unchecked.
var kinds = map[string]func() any{
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"postgresql.cnpg.io/v1/Cluster":          func() any { return &cnpg.Cluster{} },
	"postgresql.cnpg.io/v1/ScheduledBackup":  func() any { return &cnpg.ScheduledBackup{} },
}

func loadKubernetes(files []string) (*manifests, error) {
	m := &manifests{}
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		line := 1
		for n := 1; ; n++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			start := line + leadingBlankOrComment(doc)
			line += bytes.Count(doc, []byte("\n"))
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			where := fmt.Sprintf("%s:%d (document %d)", filepath.Base(f), start, n)
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
				continue
			}
			key := tm.APIVersion + "/" + tm.Kind
			mk, ok := kinds[key]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unknown apiVersion/kind %q (deploycheck knows %s)", where, key, strings.Join(sortedKeys(kinds), ", ")))
				continue
			}
			obj := mk()
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", where, key, err))
				continue
			}
			name := obj.(metav1.Object).GetName()
			m.objects = append(m.objects, object{where: where, kind: key, name: name, obj: obj})
		}
	}
	return m, errors.Join(errs...)
}

func leadingBlankOrComment(doc []byte) int {
	n := 0
	for _, l := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			break
		}
		n++
	}
	return n
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(string(doc), "\n") {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// find returns the objects of one kind.
func find[T any](m *manifests) []*T {
	var out []*T
	for _, o := range m.objects {
		if t, ok := o.obj.(*T); ok {
			out = append(out, t)
		}
	}
	return out
}

func (m *manifests) where(obj any) string {
	for _, o := range m.objects {
		if o.obj == obj {
			return o.where + " " + o.kind + " " + o.name
		}
	}
	return "?"
}

// check applies the project's rules to the decoded objects.
func (m *manifests) check() []string {
	var p []string
	add := func(obj any, format string, args ...any) {
		p = append(p, m.where(obj)+": "+fmt.Sprintf(format, args...))
	}
	names := map[string]bool{}
	for _, o := range m.objects {
		if o.name == "" {
			p = append(p, o.where+": metadata.name is required")
		} else if errs := validation.IsDNS1123Subdomain(o.name); len(errs) > 0 {
			p = append(p, o.where+": metadata.name: "+strings.Join(errs, "; "))
		}
		if names[o.kind+"/"+o.name] {
			p = append(p, o.where+": a second "+o.kind+" named "+o.name)
		}
		names[o.kind+"/"+o.name] = true
	}
	configMaps := map[string]map[string]string{}
	for _, c := range find[corev1.ConfigMap](m) {
		configMaps[c.Name] = c.Data
	}
	clusters := map[string]*cnpg.Cluster{}
	for _, c := range find[cnpg.Cluster](m) {
		clusters[c.Name] = c
	}
	deployments := find[appsv1.Deployment](m)
	if len(deployments) == 0 {
		p = append(p, "kubernetes: no Deployment")
	}

	for _, j := range find[batchv1.Job](m) {
		for _, s := range m.checkPod(j.Spec.Template.Spec, configMaps, clusters) {
			add(j, "%s", s)
		}
	}
	for _, d := range deployments {
		for _, s := range m.checkPod(d.Spec.Template.Spec, configMaps, clusters) {
			add(d, "%s", s)
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || d.Spec.Selector == nil || sel.Empty() {
			add(d, "spec.selector is required and must not be empty")
		} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			add(d, "spec.selector does not match the pod template's labels")
		}
		if d.Spec.Strategy.RollingUpdate == nil || d.Spec.Strategy.RollingUpdate.MaxUnavailable == nil ||
			d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
			add(d, "rolling updates must keep every replica (strategy.rollingUpdate.maxUnavailable: 0)")
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.StartupProbe == nil || c.ReadinessProbe == nil || c.LivenessProbe == nil {
				add(d, "container %s needs startup, readiness and liveness probes", c.Name)
			}
			if c.ReadinessProbe != nil && c.ReadinessProbe.GRPC == nil && c.ReadinessProbe.Exec == nil {
				add(d, "container %s: readiness must be the gRPC health (grpc probe or exec motcua health)", c.Name)
			}
			for what, pr := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				if pr != nil {
					if s := probePortProblem(pr, c); s != "" {
						add(d, "container %s %s probe: %s", c.Name, what, s)
					}
				}
			}
			sleep := int64(0)
			switch {
			case c.Lifecycle == nil || c.Lifecycle.PreStop == nil:
				add(d, "container %s needs a preStop drain (lifecycle.preStop)", c.Name)
			case c.Lifecycle.PreStop.Sleep != nil:
				sleep = c.Lifecycle.PreStop.Sleep.Seconds
			}
			shutdown := envValue(c, configMaps, "MOTCUA_SHUTDOWN_TIMEOUT")
			dur, err := time.ParseDuration(shutdown)
			if shutdown == "" || err != nil {
				dur = 15 * time.Second // the server's default
			}
			grace := int64(30)
			if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
				grace = *g
			}
			if need := sleep + int64(dur.Seconds()); grace <= need {
				add(d, "terminationGracePeriodSeconds %d must exceed the preStop sleep (%ds) plus the shutdown timeout (%s)", grace, sleep, dur)
			}
		}
	}

	selects := func(sel map[string]string) *appsv1.Deployment {
		for _, d := range deployments {
			if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
				return d
			}
		}
		return nil
	}
	headlessGRPC := false
	for _, s := range find[corev1.Service](m) {
		d := selects(s.Spec.Selector)
		if d == nil {
			add(s, "spec.selector selects no Deployment's pods")
			continue
		}
		for _, port := range s.Spec.Ports {
			if port.TargetPort.StrVal != "" && !hasPort(d.Spec.Template.Spec.Containers, port.TargetPort.StrVal) {
				add(s, "port %s: targetPort %q is no container port of %s", port.Name, port.TargetPort.StrVal, d.Name)
			}
			if port.Name == "grpc" && s.Spec.ClusterIP == corev1.ClusterIPNone {
				headlessGRPC = true
			}
		}
	}
	if !headlessGRPC {
		p = append(p, "kubernetes: no headless Service (clusterIP: None) with a port named grpc: a ClusterIP balances gRPC per connection, not per call")
	}

	pdbs := find[policyv1.PodDisruptionBudget](m)
	for _, b := range pdbs {
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err != nil || b.Spec.Selector == nil || sel.Empty() {
			add(b, "spec.selector is required")
			continue
		}
		found := false
		for _, d := range deployments {
			found = found || sel.Matches(labels.Set(d.Spec.Template.Labels))
		}
		if !found {
			add(b, "spec.selector selects no Deployment's pods")
		}
		if (b.Spec.MinAvailable == nil) == (b.Spec.MaxUnavailable == nil) {
			add(b, "exactly one of minAvailable and maxUnavailable")
		}
	}
	if len(pdbs) == 0 {
		p = append(p, "kubernetes: no PodDisruptionBudget")
	}
	hpas := find[autoscalingv2.HorizontalPodAutoscaler](m)
	for _, h := range hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || !slices.ContainsFunc(deployments, func(d *appsv1.Deployment) bool { return d.Name == ref.Name }) {
			add(h, "scaleTargetRef %s/%s is no Deployment here", ref.Kind, ref.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
			add(h, "minReplicas must be at least 2 (a node loss must leave a replica)")
		} else if h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			add(h, "maxReplicas %d < minReplicas %d", h.Spec.MaxReplicas, *h.Spec.MinReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			add(h, "no metrics to scale on")
		}
	}
	if len(hpas) == 0 {
		p = append(p, "kubernetes: no HorizontalPodAutoscaler")
	}

	for _, c := range clusters {
		if c.Spec.Instances < 2 {
			add(c, "spec.instances %d: a primary and at least one replica", c.Spec.Instances)
		}
		if c.Spec.StorageConfiguration.Size == "" {
			add(c, "spec.storage.size is required")
		}
		b := c.Spec.Backup
		switch {
		case b == nil || b.BarmanObjectStore == nil:
			add(c, "spec.backup.barmanObjectStore is required (base backups and WAL archiving)")
		default:
			os := b.BarmanObjectStore
			if os.DestinationPath == "" {
				add(c, "spec.backup.barmanObjectStore.destinationPath is required")
			}
			if os.AWS == nil && os.Azure == nil && os.Google == nil {
				add(c, "spec.backup.barmanObjectStore needs credentials (s3Credentials, azureCredentials or googleCredentials)")
			}
			if os.Wal == nil {
				add(c, "spec.backup.barmanObjectStore.wal is required: without WAL archiving there is no point-in-time restore")
			}
			if b.RetentionPolicy == "" {
				add(c, "spec.backup.retentionPolicy is required")
			}
		}
	}
	if len(clusters) == 0 {
		p = append(p, "kubernetes: no CloudNativePG Cluster")
	}
	for _, s := range find[cnpg.ScheduledBackup](m) {
		if clusters[s.Spec.Cluster.Name] == nil {
			add(s, "spec.cluster.name %q is no Cluster here", s.Spec.Cluster.Name)
		}
		if len(strings.Fields(s.Spec.Schedule)) != 6 {
			add(s, "spec.schedule %q: CloudNativePG schedules have six fields (seconds first)", s.Spec.Schedule)
		}
	}
	return p
}

// checkPod applies the pod rules: non-root, read-only root, no
// capabilities, RuntimeDefault seccomp, resources, volumes, references, and
// no development keys or demo data.
func (m *manifests) checkPod(spec corev1.PodSpec, configMaps map[string]map[string]string, clusters map[string]*cnpg.Cluster) []string {
	var p []string
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		p = append(p, "securityContext.runAsNonRoot must be true")
	}
	podSeccomp := psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	if len(spec.Containers) == 0 {
		p = append(p, "no containers")
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		pre := "container " + c.Name + ": "
		if c.Image == "" || !strings.Contains(c.Image[strings.LastIndex(c.Image, "/")+1:], ":") || strings.HasSuffix(c.Image, ":latest") {
			p = append(p, pre+"image must name a version tag, not latest or none")
		}
		sc := c.SecurityContext
		if sc == nil {
			p = append(p, pre+"securityContext is required")
			continue
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			p = append(p, pre+"securityContext.allowPrivilegeEscalation must be false")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			p = append(p, pre+"securityContext.readOnlyRootFilesystem must be true")
		}
		if sc.Privileged != nil && *sc.Privileged {
			p = append(p, pre+"must not be privileged")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			p = append(p, pre+"securityContext.capabilities must drop ALL and add none")
		}
		if !podSeccomp && (sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			p = append(p, pre+"seccompProfile RuntimeDefault is required (pod or container)")
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			p = append(p, pre+"runAsUser 0")
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			p = append(p, pre+"resources need cpu and memory requests and a memory limit")
		}
		for _, vm := range c.VolumeMounts {
			if _, ok := volumes[vm.Name]; !ok {
				p = append(p, pre+"volumeMount "+vm.Name+" names no volume")
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && configMaps[ef.ConfigMapRef.Name] == nil {
				p = append(p, pre+"envFrom configMap "+ef.ConfigMapRef.Name+" is not defined here")
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				// The CloudNativePG operator creates <cluster>-app with "uri".
				ref := e.ValueFrom.SecretKeyRef
				if cl, ok := strings.CutSuffix(ref.Name, "-app"); ok && clusters[cl] == nil {
					p = append(p, pre+"env "+e.Name+": secret "+ref.Name+" is not the app secret of a Cluster here")
				}
			}
		}
		if slices.Contains(c.Args, "serve") {
			if envValue(c, configMaps, "MOTCUA_JWT_KEYS_FILE") == "" && envValue(c, configMaps, "MOTCUA_JWKS_URL") == "" {
				p = append(p, pre+"serve without MOTCUA_JWT_KEYS_FILE or MOTCUA_JWKS_URL would use a development key")
			}
			if envValue(c, configMaps, "MOTCUA_JWT_ISSUER") == "" {
				p = append(p, pre+"MOTCUA_JWT_ISSUER is required with production keys")
			}
			if v := envValue(c, configMaps, "MOTCUA_DEMO_CATALOG"); v != "never" {
				p = append(p, pre+"MOTCUA_DEMO_CATALOG must be never in production, not "+fmt.Sprintf("%q", v))
			}
			if f := envValue(c, configMaps, "MOTCUA_JWT_KEYS_FILE"); f != "" && !mounted(c, f) {
				p = append(p, pre+"MOTCUA_JWT_KEYS_FILE "+f+" is on no volume mount")
			}
			if _, problem := trustedProxies(envValue(c, configMaps, "MOTCUA_TRUSTED_PROXIES")); problem != "" {
				p = append(p, pre+problem)
			}
		}
	}
	return p
}

// envValue is a container's environment variable, from env or from a
// ConfigMap in envFrom ("" when unset or from a secret).
func envValue(c corev1.Container, configMaps map[string]map[string]string, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			if v, ok := configMaps[ef.ConfigMapRef.Name][name]; ok {
				return v
			}
		}
	}
	return ""
}

func mounted(c corev1.Container, path string) bool {
	for _, vm := range c.VolumeMounts {
		if strings.HasPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/") {
			return true
		}
	}
	return false
}

func hasPort(cs []corev1.Container, name string) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func probePortProblem(pr *corev1.Probe, c corev1.Container) string {
	var port string
	switch {
	case pr.HTTPGet != nil:
		port = pr.HTTPGet.Port.StrVal
		if port == "" {
			return checkPortNumber(int32(pr.HTTPGet.Port.IntValue()), c)
		}
	case pr.GRPC != nil:
		return checkPortNumber(pr.GRPC.Port, c)
	case pr.TCPSocket != nil:
		port = pr.TCPSocket.Port.StrVal
	case pr.Exec != nil:
		return ""
	default:
		return "no handler"
	}
	if port != "" && !hasPort([]corev1.Container{c}, port) {
		return fmt.Sprintf("port %q is no container port", port)
	}
	return ""
}

func checkPortNumber(n int32, c corev1.Container) string {
	for _, p := range c.Ports {
		if p.ContainerPort == n {
			return ""
		}
	}
	return fmt.Sprintf("port %d is no container port", n)
}
