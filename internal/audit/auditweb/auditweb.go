// Package auditweb serves the tamper-evident audit log to organisation
// admins: the viewer pages (/audit, /audit/{index}) and the JSON API under
// /api/v1/audit/. It is a package of its own because the access module
// imports audit, so audit cannot ask access for decisions.
//
// Every request is decided by access.Point.Check (access.Administer on the
// "audit" resource of the subject's organisation) and every query is
// scoped to that organisation. Each organisation has a log of its own, so
// the entries, indexes, tree heads and proofs an admin sees are about their
// organisation alone and say nothing about how busy another is. Listing or
// opening entries is itself a sensitive read and is recorded as
// "audit.read"; tree heads and proofs reveal only hashes and sizes of the
// organisation's own log and are not recorded, so a witness polling them
// does not grow the log it watches.
package auditweb

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/London must load on hosts without a zoneinfo database

	"golang.org/x/mod/sumdb/note"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// The "all:" prefix matters: a plain directory embed skips files whose
// names start with "_", which is how web.Renderer names partials.
//
//go:embed all:templates
var templates embed.FS

// london is the time zone the viewer shows and date filters mean.
var london = mustLocation("Europe/London")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// Option configures Register.
type Option func(*handlers)

// PublicKey publishes the log's verifier key ("dbtp-audit+<hash>+<base64>",
// as audit.PublicKey returns) in GET /api/v1/audit/tree-head, and lets the
// entry page check the tree head's signature. Without it clients must get
// the key elsewhere (the audit.pub file beside the signing key). Register
// panics on a malformed key: it is a start-up configuration error.
func PublicKey(vkey string) Option {
	return func(h *handlers) {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			panic(fmt.Sprintf("auditweb: public key: %v", err))
		}
		h.vkey, h.verifier = vkey, v
	}
}

type handlers struct {
	log      *audit.Log
	ap       *access.Point
	vkey     string
	verifier note.Verifier // nil without PublicKey
}

// Register adds the audit viewer pages, their navigation link and the
// documented JSON API to srv. It panics if the embedded templates do not
// parse, which is a programming error found at start-up.
func Register(srv *web.Server, log *audit.Log, ap *access.Point, opts ...Option) error {
	h := &handlers{log: log, ap: ap}
	for _, o := range opts {
		o(h)
	}
	if err := srv.Renderer().Add(templates, "templates/audit/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Audit log", Href: "/audit", Roles: []platform.Role{platform.RoleAdmin}, Order: 65, Group: web.AdminGroup})
	rt := srv.Router()
	rt.Handle("GET /audit", web.RequireSignedInFunc(h.listPage))
	rt.Handle("GET /audit/{index}", web.RequireSignedInFunc(h.entryPage))
	h.registerAPI(srv.API())
	return nil
}

// authorize asks the access point whether the subject may read its
// organisation's audit log; a denial is audited there. audit.PlatformOrg is
// how the log names platform-level entries, so a subject claiming it is
// asked about an organisation-less resource, which access always refuses.
func (h *handlers) authorize(r *http.Request) (*platform.Subject, error) {
	s := web.SubjectOf(r)
	org := s.OrgID
	if org == audit.PlatformOrg {
		org = ""
	}
	if err := h.ap.Check(r.Context(), s, access.Administer, access.Resource{Type: "audit", OrgID: org}); err != nil {
		return nil, err
	}
	return s, nil
}

// entry reads entry idx of the subject's organisation's log. Every index
// names a position in that log, so there is no other organisation's entry
// to ask for (and no foreign probe to audit): an index beyond the log is
// simply not found.
func (h *handlers) entry(ctx context.Context, s *platform.Subject, idx int64) (audit.Entry, error) {
	return h.log.Get(ctx, s.OrgID, idx)
}

// recordRead writes the audit entry for reading entries. It runs after the
// query and before the response, so nothing is shown that was not recorded.
func (h *handlers) recordRead(ctx context.Context, s *platform.Subject, resourceID, detail string) error {
	e := audit.For(s, "audit.read", "audit", resourceID, audit.Success)
	e.Detail = detail
	if err := h.log.RecordNow(ctx, e); err != nil {
		return platform.Internal(err)
	}
	return nil
}

// filterDetail describes a listing for the audit entry that records it.
func filterDetail(f audit.Filter, n int) string {
	d := "listed " + strconv.Itoa(n) + " entries"
	for _, kv := range [][2]string{{"actor", f.ActorID}, {"action", f.Action}, {"resource_type", f.ResourceType}, {"resource_id", f.ResourceID}} {
		if kv[1] != "" {
			d += "; " + kv[0] + "=" + kv[1]
		}
	}
	if !f.From.IsZero() {
		d += "; from " + f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		d += "; to " + f.To.UTC().Format(time.RFC3339)
	}
	return d
}

// headStatus is what could be established about a signed tree head.
type headStatus struct {
	KeyName   string
	KeyHash   uint32
	Matches   bool // the signed text names the stored size and root
	Checked   bool // the signature was checked against the configured key
	Signature bool // and it is valid
}

// checkHead opens the head's signed note: with the configured key it checks
// the signature; without one it still reads the signed text and the name
// and hash of the key that signed it. The signed text must name the
// organisation's log, its size and root.
func (h *handlers) checkHead(head audit.Head) headStatus {
	var st headStatus
	var n *note.Note
	if h.verifier != nil {
		st.Checked = true
		opened, err := note.Open([]byte(head.Note), note.VerifierList(h.verifier))
		if err == nil {
			n, st.Signature = opened, true
		}
	}
	if n == nil {
		var unverified *note.UnverifiedNoteError
		_, err := note.Open([]byte(head.Note), note.VerifierList())
		if !errors.As(err, &unverified) {
			return st
		}
		n = unverified.Note
	}
	sigs := n.Sigs
	if len(sigs) == 0 {
		sigs = n.UnverifiedSigs
	}
	if len(sigs) > 0 {
		st.KeyName, st.KeyHash = sigs[0].Name, sigs[0].Hash
	}
	cp, err := audit.ParseCheckpoint(n.Text)
	st.Matches = err == nil && cp.Origin == head.Origin && cp.Size == head.Size && cp.Root == head.Root
	return st
}

// treeHead returns the latest signed head of the organisation's log, or ok
// false for an empty log.
func (h *handlers) treeHead(ctx context.Context, orgID string) (audit.Head, bool, error) {
	head, err := h.log.TreeHead(ctx, orgID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return audit.Head{}, false, nil
	}
	return head, err == nil, err
}
