package service_test

import (
	"testing"

	"github.com/motcua/motcua/internal/service"
	"github.com/motcua/motcua/internal/testenv"
)

// TestEveryRPCIsGated: an RPC added without a MethodRoles entry would be
// refused to everyone; this test makes that a build failure instead.
func TestEveryRPCIsGated(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{})
	n := 0
	for name, info := range e.Server.GRPCServer().GetServiceInfo() {
		if name == "grpc.health.v1.Health" || name == "grpc.reflection.v1.ServerReflection" || name == "grpc.reflection.v1alpha.ServerReflection" {
			continue
		}
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			if len(service.MethodRoles[full]) == 0 {
				t.Errorf("%s has no entry in service.MethodRoles", full)
			}
			n++
		}
	}
	if n != len(service.MethodRoles) {
		t.Errorf("%d RPCs registered, %d in MethodRoles", n, len(service.MethodRoles))
	}
}
