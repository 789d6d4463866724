package oidc_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"dbtp/internal/identity/oidc"
	"dbtp/internal/platform"
)

// Example shows how the composition root wires a provider to the two
// sign-in routes. What happens after Complete (find or create the user,
// start a session, write the audit entry) belongs to identity.
func Example() {
	key, err := oidc.ParseCookieKey(os.Getenv("DBTP_OIDC_COOKIE_KEY"))
	if err != nil {
		slog.Error("oidc", "err", err)
		return
	}
	entra, err := oidc.New(context.Background(), oidc.Config{
		Name:         "entra",
		DisplayName:  "Council staff",
		Issuer:       os.Getenv("DBTP_OIDC_ENTRA_ISSUER"),
		ClientID:     os.Getenv("DBTP_OIDC_ENTRA_CLIENT_ID"),
		ClientSecret: os.Getenv("DBTP_OIDC_ENTRA_CLIENT_SECRET"),
		RedirectURL:  os.Getenv("DBTP_BASE_URL") + "/sign-in/oidc/entra/callback",
		Scopes:       []string{"email", "profile"},
		RoleClaim:    "groups",
		RoleMap:      map[string]platform.Role{"3f1c...-group-object-id": platform.RoleCaseworker},
		OrgID:        "org_council",
		CookieKey:    key,
	}, nil)
	if err != nil {
		slog.Error("oidc", "err", err)
		return
	}
	providers := map[string]*oidc.Provider{entra.Name(): entra}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /sign-in/oidc/{provider}", func(w http.ResponseWriter, r *http.Request) {
		p, ok := providers[r.PathValue("provider")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		p.Begin(w, r, r.URL.Query().Get("return_to"))
	})
	mux.HandleFunc("GET /sign-in/oidc/{provider}/callback", func(w http.ResponseWriter, r *http.Request) {
		p, ok := providers[r.PathValue("provider")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		id, returnTo, err := p.Complete(w, r)
		if err != nil {
			e := platform.AsError(err)
			slog.Warn("oidc sign-in refused", "provider", p.Name(), "code", e.Code, "err", err)
			http.Error(w, e.Message, http.StatusUnauthorized) // the web layer maps codes properly
			return
		}
		_ = id // identity: find or provision the user by (id.Issuer, id.Subject), start a session
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
	})
}
