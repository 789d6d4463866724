package postweb

import (
	"context"
	"fmt"
	"strconv"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
)

// demoLetters are scanned letters from residents waiting in the post
// room: one quotes a reference no case has, one quotes none, one is about
// a care assessment; each is read once dbtp serves (the reading job).
var demoLetters = []struct{ name, text string }{
	{"letter-from-mr-patel.pdf", "Mr Ravi Patel\n4 Orchard Close\nMaidstone\nME14 2QT\n\nKent County Council\nSessions House\nMaidstone\n\n" +
		"Your reference: HOUS-2025-000731\n\nDear Sir or Madam,\n\nI am writing about the repairs to the footpath outside my home, " +
		"which you said would be finished in the autumn. The path is still closed and my mother cannot reach the bus stop.\n\n" +
		"Please tell me when the work will be done.\n\nYours faithfully,\n\nRavi Patel"},
	{"handwritten-note-scan.pdf", "Miss Eleanor Hughes\nFlat 2, 17 Tonbridge Road\nMaidstone\nME16 8RP\n\nDear Council,\n\n" +
		"My blue badge has expired and I do not use the internet. Please send me the form to renew it by post.\n\n" +
		"Thank you for your help.\n\nKind regards,\n\nEleanor Hughes"},
	{"care-assessment-reply.pdf", "Mrs Joan Baxter\n9 Church Lane\nAshford\nTN23 1AB\n\nAdult Social Care\nKent County Council\n\n" +
		"Dear Social Worker,\n\nThank you for visiting my husband last week. We have talked about the care plan and would like " +
		"the morning visits to start at nine rather than eight.\n\nYours sincerely,\n\nJoan Baxter"},
}

// demo puts the letters in triage and files one more on a complaint case
// (when the services' demonstration made one), once.
func (p *inboundPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	sys.Name, sys.Addr = "dbtp demo", "demo seed"
	if n, err := p.in.Counts(ctx, sys, ""); err != nil || len(n) > 0 {
		return err
	}
	var files []post.Upload
	for _, l := range demoLetters {
		files = append(files, post.Upload{Name: l.name, Content: inbound.TypedLetter(l.text)})
	}
	if _, _, err := p.in.Receive(ctx, sys, post.Arrival{Source: post.SourceUpload, Files: files}); err != nil {
		return fmt.Errorf("inbound post demo: %w", err)
	}
	var c post.CaseRef
	for _, q := range []string{"COMP", strconv.Itoa(m.d.Clock.Now().Year())} {
		found, err := p.in.SearchCases(ctx, sys, q, 1)
		if err != nil {
			return fmt.Errorf("inbound post demo: %w", err)
		}
		if len(found) > 0 {
			c = found[0]
			break
		}
	}
	if c.ID == "" {
		return nil // no cases to file on: the services module is not running
	}
	letter := inbound.TypedLetter("Mr Tom Okafor\n31 High Street\nCanterbury\nCT1 2JE\n\nYour reference: " + c.Reference +
		"\n\nDear Sir or Madam,\n\nFurther to my complaint, I enclose the photographs you asked for and the letter from my landlord.\n\n" +
		"Yours sincerely,\n\nTom Okafor")
	_, items, err := p.in.Receive(ctx, sys, post.Arrival{Source: post.SourceUpload, Files: []post.Upload{{Name: "reply-" + c.Reference + ".pdf", Content: letter}}})
	if err != nil {
		return fmt.Errorf("inbound post demo: %w", err)
	}
	if _, err := p.in.Route(ctx, sys, items[0].ID, c.Reference, true); err != nil {
		return fmt.Errorf("inbound post demo: routing to %s: %w", c.Reference, err)
	}
	return nil
}
