package msgraph

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"dbtp/internal/platform"
)

// Defaults for a tenant in Microsoft's global cloud.
const (
	DefaultBaseURL = "https://graph.microsoft.com/v1.0"
	// graphScope asks for every application permission the app
	// registration was granted (client credentials cannot name scopes).
	graphScope = "https://graph.microsoft.com/.default"
)

// The environment settings ConfigFromEnv reads.
const (
	EnvTenant       = "DBTP_WORKPLACE_GRAPH_TENANT"
	EnvClientID     = "DBTP_WORKPLACE_GRAPH_CLIENT_ID"
	EnvClientSecret = "DBTP_WORKPLACE_GRAPH_CLIENT_SECRET"
	EnvOrganizer    = "DBTP_WORKPLACE_GRAPH_ORGANIZER"
	EnvURL          = "DBTP_WORKPLACE_GRAPH_URL"
	EnvTokenURL     = "DBTP_WORKPLACE_GRAPH_TOKEN_URL"
)

// Config says how dbtp reaches Microsoft Graph as an app registration of
// the council's Microsoft Entra tenant (OAuth 2.0 client credentials).
type Config struct {
	TenantID, ClientID, ClientSecret string
	// Organizer is the user (UPN or object ID) online meetings are created
	// under; empty: no online meetings (the device import still works).
	Organizer  string
	BaseURL    string // default https://graph.microsoft.com/v1.0
	TokenURL   string // default https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
	HTTPClient *http.Client
}

// String keeps the secret out of anything that prints a Config.
func (c Config) String() string {
	return fmt.Sprintf("msgraph.Config{TenantID:%q ClientID:%q ClientSecret:%s Organizer:%q BaseURL:%q TokenURL:%q}",
		c.TenantID, c.ClientID, redacted(c.ClientSecret), c.Organizer, c.BaseURL, c.TokenURL)
}

// GoString covers %#v.
func (c Config) GoString() string { return c.String() }

// LogValue does the same for log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", c.TenantID), slog.String("client_id", c.ClientID),
		slog.String("client_secret", redacted(c.ClientSecret)), slog.String("organizer", c.Organizer),
		slog.String("base_url", c.BaseURL), slog.String("token_url", c.TokenURL))
}

func redacted(secret string) string {
	if secret == "" {
		return "(not set)"
	}
	return "(redacted)"
}

// ConfigFromEnv reads the DBTP_WORKPLACE_GRAPH_* settings through getenv.
// ok is false, with no error, when neither the tenant nor the client ID is
// set: Microsoft Graph is then off. Setting only some of them is an error
// that names what is missing (never the secret's value).
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool, err error) {
	if getenv == nil {
		return Config{}, false, nil
	}
	cfg = Config{
		TenantID:     strings.TrimSpace(getenv(EnvTenant)),
		ClientID:     strings.TrimSpace(getenv(EnvClientID)),
		ClientSecret: getenv(EnvClientSecret),
		Organizer:    strings.TrimSpace(getenv(EnvOrganizer)),
		BaseURL:      strings.TrimSpace(getenv(EnvURL)),
		TokenURL:     strings.TrimSpace(getenv(EnvTokenURL)),
	}
	if cfg.TenantID == "" && cfg.ClientID == "" {
		return Config{}, false, nil
	}
	if cfg, err = cfg.withDefaults(); err != nil {
		return Config{}, false, err
	}
	return cfg, true, nil
}

var (
	tenantPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)
	clientPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,127}$`)
	organizerPattern = regexp.MustCompile(`^[A-Za-z0-9._%+'-]{1,64}(@[A-Za-z0-9.-]{1,253})?$`)
)

// withDefaults checks c and fills in the defaults; messages name the
// environment settings, since that is where an administrator sets them.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.TenantID == "":
		return c, notConfigured(EnvTenant + " (the Microsoft Entra tenant ID or domain) is not set")
	case !tenantPattern.MatchString(c.TenantID):
		return c, notConfigured(EnvTenant + " must be the tenant's directory ID (a GUID) or a domain such as kentcc.onmicrosoft.com")
	case c.ClientID == "":
		return c, notConfigured(EnvClientID + " (the app registration's application ID) is not set")
	case !clientPattern.MatchString(c.ClientID):
		return c, notConfigured(EnvClientID + " must be the app registration's application (client) ID, a GUID")
	case c.ClientSecret == "":
		return c, notConfigured(EnvClientSecret + " (a client secret of the app registration) is not set")
	case c.Organizer != "" && !organizerPattern.MatchString(c.Organizer):
		return c, notConfigured(EnvOrganizer + " must be the user principal name (like rooms@kent.gov.uk) or object ID of the account meetings are created under")
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.TokenURL == "" {
		c.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
	}
	if err := checkEndpoint(EnvURL, c.BaseURL); err != nil {
		return c, err
	}
	if err := checkEndpoint(EnvTokenURL, c.TokenURL); err != nil {
		return c, err
	}
	return c, nil
}

// checkEndpoint refuses anything but an absolute https URL: the token
// endpoint receives the client secret and Graph the bearer token. Plain
// http is allowed only on a loopback address, for the test stand-in.
func checkEndpoint(setting, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return notConfigured(setting + " must be an absolute https URL without a query")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return notConfigured(setting + " must be an https URL (http is accepted only on a loopback address, for tests)")
}

func notConfigured(msg string) *platform.Error {
	return &platform.Error{Code: platform.CodeForbidden, Message: "Microsoft Graph for the workplace is not set up correctly: " + msg + ".", Err: ErrNotConfigured}
}
