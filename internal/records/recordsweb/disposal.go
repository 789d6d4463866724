package recordsweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

// The disposal queue, legal holds and certificates are records managers'
// and administrators' pages. The engine decides who may (and audits a
// refusal); the pages only choose what to offer.

func (h *handlers) routeRetention(rt *web.Router) {
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(f))
	}
	page("GET /disposal", h.queuePage)
	page("POST /disposal/approve", h.approve)
	page("GET /disposal/{id}", h.disposalPage)
	page("POST /disposal/{id}/reject", h.reject)
	page("POST /disposal/{id}/dispose", h.disposeAgain)
	page("GET /legal-holds", h.holdsPage)
	page("GET /legal-holds/new", h.holdForm)
	page("POST /legal-holds/new", h.createHold)
	page("GET /legal-holds/{id}", h.holdPage)
	page("POST /legal-holds/{id}/lift", h.liftHold)
	page("GET /disposal/certificates", h.certificatesPage)
	page("GET /disposal/certificates/{id}", h.certificatePage)
	page("GET /disposal/certificates/{id}/pdf", h.certificatePDF)
}

// stateTabs are the queue's views.
var stateTabs = []web.Option{
	{Value: "", Text: "Awaiting a decision"},
	{Value: records.DisposalHeld, Text: "Held"},
	{Value: records.DisposalDone, Text: "Done"},
	{Value: records.DisposalRejected, Text: "Kept"},
	{Value: records.DisposalWithdrawn, Text: "Withdrawn"},
	{Value: "all", Text: "All"},
}

type queuePage struct {
	*web.Form
	Items []*records.Disposal
	State string
	Tabs  []web.Option
	Next  string
	// Decidable is whether any item shown can be approved now.
	Decidable bool
}

func (h *handlers) queuePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderQueue(w, r, http.StatusOK, web.NewForm(nil))
}

func (h *handlers) renderQueue(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	p, err := h.rs.DisposalQueue(r.Context(), sub, records.QueueFilter{State: state, After: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	out := queuePage{Form: f, Items: p.Items, State: state, Tabs: stateTabs}
	for _, x := range p.Items {
		out.Decidable = out.Decidable || x.State == records.DisposalPending
	}
	if p.Next != "" {
		out.Next = web.CursorURL(r, p.Next)
	}
	return web.Render(w, r, status, "records/disposal", out)
}

// approve approves the items ticked (or the one item of its page). A
// problem is shown on the page the form came from.
func (h *handlers) approve(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	note := r.PostFormValue("note") // parses the form
	ids := r.PostForm["ids"]
	res, err := h.rs.ApproveDisposal(r.Context(), sub, ids, note)
	if err != nil && platform.CodeOf(err) != platform.CodeInternal {
		if len(ids) == 1 && r.PostFormValue("from") == "item" {
			r.SetPathValue("id", ids[0])
			return h.renderItem(w, r, statusFor(err), web.FormErrors(r, err))
		}
		return h.renderQueue(w, r, statusFor(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	var said []string
	for _, c := range res.Certificates {
		verb := "destroyed"
		if c.Action == records.ActionTransfer {
			verb = "transferred"
		}
		said = append(said, fmt.Sprintf("%d %s (certificate %s)", len(c.Items), verb, c.Number))
	}
	if n := len(res.AwaitingSecond); n > 0 {
		said = append(said, fmt.Sprintf("%d now need a second approval by someone else", n))
	}
	web.SetFlash(w, r, "Approved: "+strings.Join(said, "; "))
	if len(res.Certificates) == 1 {
		http.Redirect(w, r, "/disposal/certificates/"+url.PathEscape(res.Certificates[0].ID), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/disposal", http.StatusSeeOther)
	return nil
}

type disposalPage struct {
	*web.Form
	Item      *records.Disposal
	Decisions []web.Option
	CanDecide bool
	CanRetry  bool
}

func (h *handlers) disposalPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderItem(w, r, http.StatusOK, web.NewForm(nil))
}

func (h *handlers) renderItem(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	x, err := h.rs.Disposal(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := disposalPage{Form: f, Item: x, CanDecide: x.State == records.DisposalPending,
		CanRetry: x.State == records.DisposalApproved || x.State == records.DisposalDisposing,
		Decisions: []web.Option{
			{Value: "keep", Text: "Keep it until a later date", Hint: "Its retention is extended: it comes back to the queue then"},
			{Value: "review", Text: "Mark it for review", Hint: "A person looks at it and decides to keep or destroy it; approvals start again"},
		}}
	if x.Action == records.ActionReview {
		p.Decisions = p.Decisions[:1]
	}
	return web.Render(w, r, status, "records/disposalitem", p)
}

// reject keeps an item (until a later date) or marks it for review.
func (h *handlers) reject(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	rej := records.Rejection{Reason: r.PostFormValue("reason")}
	var bad error
	switch r.PostFormValue("decision") {
	case "keep":
		until, perr := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("until")))
		if perr != nil {
			bad = platform.Invalid("Check the decision", platform.FieldError{Field: "until", Message: "Enter the date to keep it until, like 2034-03-27"})
		}
		rej.Until = until
	case "review":
		rej.Review = true
	default:
		bad = platform.Invalid("Check the decision", platform.FieldError{Field: "decision", Message: "Choose to keep it until a later date or to mark it for review"})
	}
	if bad == nil {
		_, bad = h.rs.RejectDisposal(r.Context(), sub, r.PathValue("id"), rej)
	}
	if bad != nil {
		if c := platform.CodeOf(bad); c == platform.CodeInvalid || c == platform.CodeConflict {
			return h.renderItem(w, r, statusFor(bad), web.FormErrors(r, bad))
		}
		return bad
	}
	msg := "Marked for review"
	if !rej.Review {
		msg = "Kept until " + rej.Until.Format("2 January 2006")
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, "/disposal/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// disposeAgain finishes a disposal that stopped part way.
func (h *handlers) disposeAgain(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	res, err := h.rs.Dispose(r.Context(), sub, r.PathValue("id"))
	if c := platform.CodeOf(err); c == platform.CodeConflict || c == platform.CodeInvalid {
		return h.renderItem(w, r, statusFor(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	if len(res.Certificates) == 1 {
		web.SetFlash(w, r, "Disposal finished: certificate "+res.Certificates[0].Number)
		http.Redirect(w, r, "/disposal/certificates/"+url.PathEscape(res.Certificates[0].ID), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/disposal/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
