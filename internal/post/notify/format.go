package notify

import (
	"html"
	"regexp"
	"strconv"
	"strings"
)

// Notify's formatting, read a line at a time: a blank line ends a block;
// a line starting with a block's marker starts one (so a list may follow
// a paragraph without a blank line between them, as people write them).

var (
	numberedRE = regexp.MustCompile(`^\d{1,3}[.)](?:\s+|$)`)
	// linkRE is a Markdown link [text](address) or an address written out;
	// only web and mail addresses become links.
	linkRE = regexp.MustCompile(`\[([^\[\]\n]+)\]\(((?:https?://|mailto:)[^()\s]+)\)|https?://[^\s<>"]+`)
)

// lineKind is the block a line starts, and the line without its marker.
func lineKind(line string) (BlockKind, string) {
	t := strings.TrimSpace(line)
	switch {
	case len(t) >= 3 && strings.Trim(t, "-") == "":
		return Rule, ""
	case t == "***":
		return PageBreak, ""
	case strings.HasPrefix(t, "## "), strings.HasPrefix(t, "# "):
		return Heading, strings.TrimSpace(strings.TrimLeft(t, "#"))
	case strings.HasPrefix(t, "* "), strings.HasPrefix(t, "- "), strings.HasPrefix(t, "• "):
		_, rest, _ := strings.Cut(t, " ")
		return Bullets, strings.TrimSpace(rest)
	case t == "*" || t == "-" || t == "•":
		return Bullets, "" // a marker whose item was left out
	case numberedRE.MatchString(t):
		return Numbered, strings.TrimSpace(t[len(numberedRE.FindString(t)):])
	case strings.HasPrefix(t, "^"):
		return Inset, strings.TrimSpace(t[1:])
	}
	return Paragraph, t
}

// parseBlocks splits a filled-in body into blocks whose lines still hold
// their links' Markdown (renderHTML and plainBlocks write them out).
func parseBlocks(body string) []Block {
	var out []Block
	var cur *Block
	end := func() {
		if cur != nil && (len(cur.Lines) > 0 || cur.Kind == Rule || cur.Kind == PageBreak) {
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" {
			end()
			continue
		}
		kind, text := lineKind(line)
		if text == "" && (kind == Bullets || kind == Numbered) {
			// A list item with nothing in it, most often an optional
			// placeholder's ("* ((extra??text))") left out: no item.
			continue
		}
		switch {
		case kind == Rule || kind == PageBreak || kind == Heading:
			end()
			out = append(out, Block{Kind: kind, Lines: nonEmpty(text)})
		case kind == Paragraph && cur != nil:
			// A line without a marker continues the block it is in: a
			// list item's second line belongs to the item.
			if cur.Kind == Bullets || cur.Kind == Numbered {
				cur.Lines[len(cur.Lines)-1] += " " + text
			} else {
				cur.Lines = append(cur.Lines, text)
			}
		case cur != nil && cur.Kind == kind:
			cur.Lines = append(cur.Lines, text)
		default:
			end()
			cur = &Block{Kind: kind, Lines: []string{text}}
		}
	}
	end()
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// plainLine writes a line's links as "text: address".
func plainLine(s string) string {
	return linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := linkRE.FindStringSubmatch(m)
		if sm[1] == "" {
			return m
		}
		if sm[1] == sm[2] {
			return sm[2]
		}
		return sm[1] + ": " + sm[2]
	})
}

func plainBlocks(raw []Block) []Block {
	out := make([]Block, len(raw))
	for i, b := range raw {
		out[i] = Block{Kind: b.Kind, Lines: make([]string, len(b.Lines))}
		for j, l := range b.Lines {
			out[i].Lines[j] = plainLine(l)
		}
	}
	return out
}

// plainText is the text part of an email: blocks apart by a blank line,
// list items marked, rules drawn.
func plainText(bs []Block) string {
	var parts []string
	for _, b := range bs {
		var s strings.Builder
		switch b.Kind {
		case Bullets:
			for i, l := range b.Lines {
				if i > 0 {
					s.WriteByte('\n')
				}
				s.WriteString("• " + l)
			}
		case Numbered:
			for i, l := range b.Lines {
				if i > 0 {
					s.WriteByte('\n')
				}
				s.WriteString(strconv.Itoa(i+1) + ". " + l)
			}
		case Rule:
			s.WriteString("-----")
		case PageBreak:
			continue
		default:
			s.WriteString(strings.Join(b.Lines, "\n"))
		}
		parts = append(parts, s.String())
	}
	return strings.Join(parts, "\n\n")
}

// style is how renderHTML dresses each element: inline styles for mail
// programs, which drop style sheets, or GOV.UK Frontend's classes for pages.
type style struct{ p, h2, ul, ol, li, inset, hr, a string }

var emailStyle = style{
	p:     ` style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0b0c0c;"`,
	h2:    ` style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0b0c0c;"`,
	ul:    ` style="Margin: 0 0 20px 20px; padding: 0; list-style-type: disc;"`,
	ol:    ` style="Margin: 0 0 20px 20px; padding: 0; list-style-type: decimal;"`,
	li:    ` style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px; line-height: 25px; color: #0b0c0c;"`,
	inset: ` style="Margin: 0 0 20px 0; border-left: 10px solid #b1b4b6; padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;"`,
	hr:    ` style="border: 0; height: 1px; background: #b1b4b6; Margin: 30px 0 30px 0;"`,
	a:     ` style="word-wrap: break-word; color: #1d70b8;"`,
}

var pageStyle = style{
	p: ` class="govuk-body"`, h2: ` class="govuk-heading-m"`, ul: ` class="govuk-list govuk-list--bullet"`,
	ol: ` class="govuk-list govuk-list--number"`, inset: ` class="govuk-inset-text"`,
	hr: ` class="govuk-section-break govuk-section-break--m govuk-section-break--visible"`, a: ` class="govuk-link"`,
}

// inlineHTML escapes a line and makes its links.
func inlineHTML(s string, st style) string {
	var b strings.Builder
	last := 0
	for _, loc := range linkRE.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:loc[0]]))
		text, href := s[loc[0]:loc[1]], s[loc[0]:loc[1]]
		if loc[2] >= 0 {
			text, href = s[loc[2]:loc[3]], s[loc[4]:loc[5]]
		}
		// A sentence's full stop or closing bracket is not the address's.
		trail := ""
		if loc[2] < 0 {
			trimmed := strings.TrimRight(href, ".,;:!?)'")
			trail, href, text = href[len(trimmed):], trimmed, trimmed
		}
		b.WriteString(`<a` + st.a + ` href="` + html.EscapeString(href) + `">` + html.EscapeString(text) + `</a>` + html.EscapeString(trail))
		last = loc[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	return b.String()
}

func renderHTML(raw []Block, st style) string {
	var b strings.Builder
	lines := func(ls []string) string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = inlineHTML(l, st)
		}
		return strings.Join(out, "<br>")
	}
	items := func(tag, attr string, ls []string) {
		b.WriteString("<" + tag + attr + ">")
		for _, l := range ls {
			b.WriteString("<li" + st.li + ">" + inlineHTML(l, st) + "</li>")
		}
		b.WriteString("</" + tag + ">\n")
	}
	for _, bl := range raw {
		switch bl.Kind {
		case Heading:
			b.WriteString("<h2" + st.h2 + ">" + lines(bl.Lines) + "</h2>\n")
		case Bullets:
			items("ul", st.ul, bl.Lines)
		case Numbered:
			items("ol", st.ol, bl.Lines)
		case Inset:
			b.WriteString("<blockquote" + st.inset + "><p" + st.p + ">" + lines(bl.Lines) + "</p></blockquote>\n")
		case Rule, PageBreak:
			b.WriteString("<hr" + st.hr + ">\n")
		default:
			b.WriteString("<p" + st.p + ">" + lines(bl.Lines) + "</p>\n")
		}
	}
	return b.String()
}

// EmailDocument is a whole HTML email around a rendered body: the
// sender's name in a banner, then the body, in a layout mail programs
// show alike (a single column, at most 580 pixels wide).
func EmailDocument(sender, subject, bodyHTML string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>`)
	b.WriteString(html.EscapeString(subject))
	b.WriteString(`</title></head><body style="font-family: Helvetica, Arial, sans-serif; font-size: 16px; margin: 0; color: #0b0c0c;">`)
	b.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse: collapse; width: 100% !important;">`)
	b.WriteString(`<tr><td style="background: #0b0c0c; padding: 15px 10px; color: #ffffff; font-size: 24px; font-weight: bold;">`)
	b.WriteString(html.EscapeString(sender))
	b.WriteString(`</td></tr><tr><td style="padding: 30px 10px; max-width: 580px;">`)
	b.WriteString(bodyHTML)
	b.WriteString(`</td></tr></table></body></html>`)
	return b.String()
}
