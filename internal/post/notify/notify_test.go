package notify

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPlaceholdersOnceInOrder(t *testing.T) {
	got := Placeholders("Your ((reference))", "Dear ((First name)),\n((first_name)) ((reference)) ((urgent??Please reply today.))")
	want := []string{"reference", "First name", "urgent"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRenderListsEveryMissingName(t *testing.T) {
	_, err := Render("email", "About ((ref))", "Dear ((name)), ((date)) ((ref)) ((flag??x))", map[string]any{"NAME": "Ann", "date": nil})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("want MissingError, got %v", err)
	}
	if !reflect.DeepEqual(me.Names, []string{"date", "flag", "ref"}) {
		t.Fatalf("names %q", me.Names)
	}
	if me.Error() != "Missing personalisation: date, flag, ref" {
		t.Fatal(me.Error())
	}
}

func TestRenderEmailFormatting(t *testing.T) {
	body := "# Your request\n\nDear ((name)),\nthanks.\n\n* one\n* two\n  continued\n\n1. first\n2) second\n\n^ Keep this ((ref))\n\n---\n\nSee [our page](https://kent.example/help) or https://kent.example/x.\n\n((extra??You asked for extra help.))((other??Never shown))"
	r, err := Render("email", "Request ((ref))\nreceived", body, map[string]any{"name": "<Ann & Bo>", "ref": "AB-1", "extra": "yes", "other": "no"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Filled, "# Your request\n\nDear <Ann & Bo>,") {
		t.Fatalf("filled %q", r.Filled)
	}
	if r.Subject != "Request AB-1 received" {
		t.Fatalf("subject %q", r.Subject)
	}
	kinds := []BlockKind{}
	for _, b := range r.Blocks {
		kinds = append(kinds, b.Kind)
	}
	want := []BlockKind{Heading, Paragraph, Bullets, Numbered, Inset, Rule, Paragraph, Paragraph}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("blocks %v, want %v\n%+v", kinds, want, r.Blocks)
	}
	if got := r.Blocks[2].Lines; !reflect.DeepEqual(got, []string{"one", "two continued"}) {
		t.Fatalf("bullets %q", got)
	}
	if got := r.Blocks[6].Lines[0]; got != "See our page: https://kent.example/help or https://kent.example/x." {
		t.Fatalf("plain link %q", got)
	}
	for _, s := range []string{"&lt;Ann &amp; Bo&gt;", `href="https://kent.example/help"`, ">our page</a>", `href="https://kent.example/x">https://kent.example/x</a>.`,
		"<h2", "<ul", "<ol", "<blockquote", "<hr", "You asked for extra help."} {
		if !strings.Contains(r.HTML, s) {
			t.Fatalf("HTML lacks %q:\n%s", s, r.HTML)
		}
	}
	if strings.Contains(r.HTML, "<Ann") || strings.Contains(r.HTML, "Never shown") {
		t.Fatalf("HTML:\n%s", r.HTML)
	}
	if !strings.Contains(r.PreviewHTML, `class="govuk-list govuk-list--bullet"`) || strings.Contains(r.PreviewHTML, "style=") {
		t.Fatalf("preview:\n%s", r.PreviewHTML)
	}
	if !strings.Contains(r.Text, "• one\n• two continued") || !strings.Contains(r.Text, "1. first\n2. second") {
		t.Fatalf("text:\n%s", r.Text)
	}
}

func TestRenderListValueIsBullets(t *testing.T) {
	r, err := Render("email", "s", "You need:\n\n((items))\n\nThanks", map[string]any{"items": []any{"a passport", "a bill"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 3 || r.Blocks[1].Kind != Bullets || len(r.Blocks[1].Lines) != 2 {
		t.Fatalf("%+v", r.Blocks)
	}
	s, _ := Render("sms", "", "You need ((items))", map[string]any{"items": []any{"a", "b"}})
	if s.Text != "You need a, b" {
		t.Fatal(s.Text)
	}
}

func TestRenderPersonalisationIsNotReread(t *testing.T) {
	// A value holding a placeholder is text, not asked for again.
	r, err := Render("sms", "", "Hello ((name))", map[string]any{"name": "((secret))", "secret": "x"})
	if err != nil || r.Text != "Hello ((secret))" {
		t.Fatalf("%v %q", err, r.Text)
	}
}

func TestRenderLetterPageBreak(t *testing.T) {
	r, err := Render("letter", "Your blue badge", "Page one\n\n***\n\nPage two", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 3 || r.Blocks[1].Kind != PageBreak || r.Subject != "Your blue badge" {
		t.Fatalf("%+v", r)
	}
}

func TestEmailDocumentEscapes(t *testing.T) {
	d := EmailDocument("Kent <County>", "Hi & bye", "<p>x</p>")
	if !strings.Contains(d, "Kent &lt;County&gt;") || !strings.Contains(d, "<title>Hi &amp; bye</title>") || !strings.Contains(d, "<p>x</p>") {
		t.Fatal(d)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("# h\n\n* a\n1. b\n^ c\n---\n***\n[x](https://a.b) ((n)) ((m??t))", "n", "yes")
	f.Add("((((a))))((b??((c))))", "a", "")
	f.Add("[x](javascript:alert(1)) <script>", "x", "<b>")
	f.Fuzz(func(t *testing.T, body, key, val string) {
		p := map[string]any{}
		for _, n := range Placeholders("", body) {
			p[n] = val
		}
		p[key] = val
		for _, kind := range []string{"email", "letter", "sms"} {
			r, err := Render(kind, body, body, p)
			if err != nil {
				t.Fatalf("%s: every placeholder given, got %v", kind, err)
			}
			for _, h := range []string{r.HTML, r.PreviewHTML} {
				if strings.Contains(h, "<script") || strings.Contains(h, "javascript:") && strings.Contains(h, `href="javascript`) {
					t.Fatalf("unsafe HTML from %q: %s", body, h)
				}
			}
		}
	})
}

func TestRenderSMSIsNotFormatted(t *testing.T) {
	r, err := Render("sms", "", "# Not a heading\n* not a list <b>\n\nSecond", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.PreviewHTML != "<p class=\"govuk-body\"># Not a heading<br>* not a list &lt;b&gt;</p>\n<p class=\"govuk-body\">Second</p>\n" || r.HTML != "" {
		t.Fatalf("%q", r.PreviewHTML)
	}
}

// TestCheckSyntax: a placeholder opened and not closed, closed and not
// opened, or without a name is refused with its line; good ones, optional
// ones and lone brackets pass.
func TestCheckSyntax(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Dear ((name)),\n\nYour ref is ((reference))\n((urgent??Please reply today.))", ""},
		{"Call us (on weekdays) (9am to 5pm).", ""},
		{"(((a)))", ""},
		{"Dear ((name)),\n\nYour ref is ((reference)\nThanks", "Line 3: “((reference)” is not closed with “))”. Write a placeholder as ((name))"},
		{"Your ref is ((reference", "Line 1: “((reference” is not closed"},
		{"((a)) and ((b) then ((c))", "Line 1: “((b)” is not closed"},
		{"Hi\nYour ref is (reference)) today", "Line 2: “(reference))” has no opening “((”"},
		{"Your ref is reference)) today", "Line 1: “reference))” has no opening"},
		{"Hi (( )) there", "Line 1: “(( ))” has no name"},
		{"((first\nname))", "Line 1: “((first” is not closed"},
		{"((name?text))", "Line 1: “((name?text))” is not closed"},
	} {
		err := CheckSyntax(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzCheckSyntax(f *testing.F) {
	f.Add("Dear ((name)), ((ref)")
	f.Add("((((a))))((b??((c))))")
	f.Add("x)) ((y?? z))\n(( ))")
	f.Fuzz(func(t *testing.T, body string) {
		err := CheckSyntax(body)
		if err != nil {
			if lines := strings.Count(strings.ReplaceAll(body, "\r", "\n"), "\n") + 1; err.Line < 1 || err.Line > lines {
				t.Fatalf("%q: line %d of %d", body, err.Line, lines)
			}
			return
		}
		// A template that passes leaves no double bracket once filled in.
		p := map[string]any{}
		for _, n := range Placeholders("", body) {
			p[n] = "yes"
		}
		r, rerr := Render("sms", "", body, p)
		if rerr != nil || strings.Contains(r.Filled, "((") || strings.Contains(r.Filled, "))") {
			t.Fatalf("%q passed, but renders %q (%v)", body, r.Filled, rerr)
		}
	})
}

// TestConditionalBullet: a list item that is an optional placeholder is
// an item when shown, no item when not, and stays an item (the
// placeholder as written) in a preview without the value.
func TestConditionalBullet(t *testing.T) {
	body := "You need:\n\n* a passport\n* ((utility??a utility bill))\n1. ((first??Apply))\n2. Wait"
	yes, err := Render("email", "s", body, map[string]any{"utility": "yes", "first": "yes"})
	noErr(t, err)
	no, err := Render("email", "s", body, map[string]any{"utility": "no", "first": "no"})
	noErr(t, err)
	if got := yes.Blocks[1].Lines; len(yes.Blocks) != 3 || !reflect.DeepEqual(got, []string{"a passport", "a utility bill"}) {
		t.Fatalf("shown: %+v", yes.Blocks)
	}
	if len(no.Blocks) != 3 || !reflect.DeepEqual(no.Blocks[1].Lines, []string{"a passport"}) || !reflect.DeepEqual(no.Blocks[2].Lines, []string{"Wait"}) ||
		strings.Contains(no.PreviewHTML, "<p class=\"govuk-body\">*</p>") || strings.Contains(no.Text, "• \n") {
		t.Fatalf("left out: %+v\n%s", no.Blocks, no.PreviewHTML)
	}
	pv, missing := RenderPartial("email", "s", body, nil)
	if !reflect.DeepEqual(missing, []string{"first", "utility"}) || len(pv.Blocks) != 3 || pv.Blocks[1].Kind != Bullets ||
		!reflect.DeepEqual(pv.Blocks[1].Lines, []string{"a passport", "((utility??a utility bill))"}) ||
		!strings.Contains(pv.PreviewHTML, "<li>((utility??a utility bill))</li></ul>") {
		t.Fatalf("preview: %v %+v\n%s", missing, pv.Blocks, pv.PreviewHTML)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
