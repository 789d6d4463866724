package post

import (
	"context"
	"html"
	"net/url"
	"strings"

	"dbtp/internal/post/provider"
)

// addUnsubscribe ends an email that is not statutory, to a person dbtp
// knows, with the link that stops such messages: a page that asks once
// and needs no sign-in (docs/post.md, "Letters and contact preferences").
// Statutory messages, and messages to an address alone, carry none: the
// first cannot be refused, the second has nobody to remember the choice.
func (dl *Deliverer) addUnsubscribe(ctx context.Context, o outgoing, m *provider.Message) error {
	if o.Kind != KindEmail || o.PersonID == "" || o.TemplateID == "" || dl.s.opts.BaseURL == "" {
		return nil
	}
	t, err := dl.template(ctx, o)
	if err != nil || t.Statutory {
		return nil // a template gone since is sent as stored
	}
	tok, err := dl.s.UnsubscribeToken(ctx, o.OrgID, o.PersonID)
	if err != nil {
		return err
	}
	link := strings.TrimRight(dl.s.opts.BaseURL, "/") + "/post/unsubscribe/" + url.PathEscape(tok)
	m.Text += "\n\n---\n\nTo stop emails like this one, go to " + link
	if m.HTML != "" {
		m.HTML += `<hr><p style="font-size: 16px; line-height: 1.3;">To stop emails like this one, <a href="` + html.EscapeString(link) +
			`">unsubscribe</a>.</p>`
	}
	return nil
}
