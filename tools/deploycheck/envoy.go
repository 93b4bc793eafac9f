package main

import (
	"fmt"
	"os"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"
)

// The typed configs envoy.yaml may use; anything else fails to resolve
// (protojson needs the type registered), which is an error too.
var _ = []any{(*routerv3.Router)(nil), (*hcmv3.HttpConnectionManager)(nil), (*httpv3.HttpProtocolOptions)(nil)}

func checkEnvoy(path string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, "envoy.yaml: "+fmt.Sprintf(format, args...)) }
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return []string{"envoy.yaml: " + err.Error()}
	}
	var b bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(js, &b); err != nil {
		return []string{"envoy.yaml: not an Envoy v3 bootstrap: " + err.Error()}
	}
	if err := b.ValidateAll(); err != nil {
		add("%v", err)
	}
	clusters := map[string]*clusterv3.Cluster{}
	for _, c := range b.GetStaticResources().GetClusters() {
		clusters[c.GetName()] = c
		if len(c.GetHealthChecks()) == 0 {
			add("cluster %s: no health check (a NOT_SERVING replica would keep getting calls)", c.GetName())
		}
		if c.GetLbPolicy() != clusterv3.Cluster_ROUND_ROBIN && c.GetLbPolicy() != clusterv3.Cluster_LEAST_REQUEST {
			add("cluster %s: lb_policy %s", c.GetName(), c.GetLbPolicy())
		}
	}
	grpc := false
	for _, l := range b.GetStaticResources().GetListeners() {
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				var hcm hcmv3.HttpConnectionManager
				if err := f.GetTypedConfig().UnmarshalTo(&hcm); err != nil {
					add("listener %s: filter %s is not an HTTP connection manager", l.GetName(), f.GetName())
					continue
				}
				// Envoy is the edge: it must append the client's address
				// to X-Forwarded-For and trust none that arrives, or the
				// replicas record Envoy's address or a forged one.
				if !hcm.GetUseRemoteAddress().GetValue() || hcm.GetXffNumTrustedHops() != 0 {
					add("listener %s: use_remote_address must be true and xff_num_trusted_hops 0 (the client's address in X-Forwarded-For)", l.GetName())
				}
				if hcm.GetCodecType() != hcmv3.HttpConnectionManager_HTTP2 {
					if problem := streamRoute(&hcm); problem != "" {
						add("listener %s: %s", l.GetName(), problem)
					}
				}
				for _, vh := range hcm.GetRouteConfig().GetVirtualHosts() {
					for _, r := range vh.GetRoutes() {
						name := r.GetRoute().GetCluster()
						c := clusters[name]
						if c == nil {
							add("listener %s: route to unknown cluster %q", l.GetName(), name)
							continue
						}
						if hcm.GetCodecType() != hcmv3.HttpConnectionManager_HTTP2 {
							continue
						}
						// gRPC: the upstream must speak HTTP/2 and be health
						// checked with the gRPC health service.
						grpc = true
						var po httpv3.HttpProtocolOptions
						opt := c.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
						if opt == nil || opt.UnmarshalTo(&po) != nil || po.GetExplicitHttpConfig().GetHttp2ProtocolOptions() == nil {
							add("cluster %s: gRPC needs explicit HTTP/2 to the upstream", name)
						}
						for _, hc := range c.GetHealthChecks() {
							if hc.GetGrpcHealthCheck() == nil {
								add("cluster %s: use the gRPC health check", name)
							}
						}
					}
				}
			}
		}
	}
	if !grpc {
		add("no HTTP/2 (gRPC) listener")
	}
	return p
}

// watchPath is the JSON gateway's event stream (docs/events-stream.md).
const watchPath = "/v1/events:watch"

// streamRoute checks that the route the event stream takes has no timeout:
// a route timeout spans the whole response and would cut every stream.
func streamRoute(hcm *hcmv3.HttpConnectionManager) string {
	for _, vh := range hcm.GetRouteConfig().GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			m := r.GetMatch()
			if m.GetPath() != watchPath && (m.GetPrefix() == "" || !strings.HasPrefix(watchPath, m.GetPrefix())) {
				continue
			}
			if t := r.GetRoute().GetTimeout(); t == nil || t.AsDuration() != 0 {
				return fmt.Sprintf("the route of %s needs timeout: 0s (a route timeout would cut every event stream)", watchPath)
			}
			return ""
		}
	}
	return "no route for " + watchPath
}
