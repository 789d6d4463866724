package postweb

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/post"
	"dbtp/internal/web"
)

// A resident's own page for each message the council sent them about a
// case (/post/sent/{id}), linked from "What we have sent you" on their
// request page: the whole message as it was sent, and a letter as the PDF
// that was posted (/post/sent/{id}/letter.pdf). Only a message addressed
// to them as a person is found (post.Store.MessageToPersonByID); any
// other is not found, staff included: staff read messages under
// /post/messages.

type sentPage struct {
	Message post.Notification
	Kind    string
	Rows    []web.SummaryRow
	Body    template.HTML
	Lines   []string // the body's lines when no template formats it
	PDFURL  string
	Back    string
}

func (p *sendingPart) sentWeb(rt *web.Router) {
	rt.Handle("GET /post/sent/{id}", web.RequireSignedInFunc(p.sentPage))
	rt.Handle("GET /post/sent/{id}/letter.pdf", web.RequireSignedInFunc(p.sentPDF))
}

func (p *sendingPart) sentPage(w http.ResponseWriter, r *http.Request) error {
	n, err := p.m.ps.MessageToPersonByID(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := sentPage{Message: n, Kind: sendKindText[n.Kind], Back: "/services/requests"}
	if n.Reference != "" {
		pg.Back = "/services/requests/" + url.PathEscape(n.Reference) + "#sent"
	}
	pg.Rows = []web.SummaryRow{{Key: "Sent", Value: sendUKTime(n.CreatedAt)}, {Key: "How", Value: pg.Kind}}
	if n.Reference != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "About", Value: n.Reference})
	}
	pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Status", Value: sendStatusWords(n)})
	if n.Kind == post.KindLetter {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Format", Value: letterFormat(n.LargePrint)})
		if n.PDFBlob != "" {
			pg.PDFURL = "/post/sent/" + n.ID + "/letter.pdf"
		}
	}
	if n.TemplateID != "" {
		if t, err := p.m.ps.TemplateForService(r.Context(), n.ServiceID, n.TemplateID, n.TemplateVersion); err == nil {
			pg.Body = renderedBody(t, n)
		}
	}
	if pg.Body == "" {
		for _, l := range strings.Split(n.Body, "\n") {
			if strings.TrimSpace(l) != "" {
				pg.Lines = append(pg.Lines, l)
			}
		}
	}
	return web.Render(w, r, http.StatusOK, "post/sent_message", pg)
}

// sentPDF is a letter sent to the person asking, as it was posted.
func (p *sendingPart) sentPDF(w http.ResponseWriter, r *http.Request) error {
	n, err := p.m.ps.MessageToPersonByID(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.serveLetterPDF(w, r, n)
}
