//go:build tools

// Package dex pins the Dex OpenID Connect provider the single sign-on tests
// run against (internal/identity/oidc/dextest). `go install
// github.com/dexidp/dex/cmd/dex@<version>` cannot build any recent Dex:
// its go.mod replaces github.com/dexidp/dex/api/v2 with ./api/v2, and go
// install refuses a module at a version with replace directives. Its v2
// release tags also lack /v2 in the module path, so the proxy knows them
// only by pseudo-version. This module requires the commit tagged v2.45.1
// (v0.0.0-20260303133905-11d2eeb52b42) with the published api/v2 v2.4.0,
// which is what that replace pointed at; .ci/run builds it with
//
//	cd .ci/dex && go install github.com/dexidp/dex/cmd/dex
package dex

import _ "github.com/dexidp/dex/cmd/dex"
