package config

import "testing"

func TestConsoleValidate(t *testing.T) {
	ok := []Console{{Path: "/console/"}, {Path: ""}, {Path: "/admin/console/"},
		{Path: "/console/", OIDCIssuer: "https://id.example", OIDCClientID: "c", OIDCRedirectURL: "https://m.example/console/auth/callback"}}
	bad := []Console{{Path: "console/"}, {Path: "/console"}, {Path: "/"}, {Path: "/v1/console/"}, {Path: "/con sole/"},
		{Path: "/console/", OIDCIssuer: "https://id.example"},
		{Path: "/console/", OIDCClientID: "c"},
		{Path: "/console/", OIDCIssuer: "id.example", OIDCClientID: "c", OIDCRedirectURL: "https://m.example/cb"},
		{Path: "/console/", OIDCIssuer: "https://id.example", OIDCClientID: "c", OIDCRedirectURL: "/cb"}}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
