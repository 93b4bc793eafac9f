// Package motcua holds what the repository root owns: the generated OpenAPI
// document of the JSON API, embedded so that the server can serve it (the
// generated directories are wiped by `make gen`, so the embedding lives here).
package motcua

import _ "embed"

// OpenAPI is api/openapi/motcua.swagger.json, the OpenAPI 2 document of the
// motcua.v1 JSON API that `make gen` writes.
//
//go:embed api/openapi/motcua.swagger.json
var OpenAPI []byte
