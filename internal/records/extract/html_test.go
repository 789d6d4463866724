package extract

import (
	"strings"
	"testing"
)

const sampleHTML = `<!DOCTYPE html>
<html><head><title>Bin collection</title>
<style>body { color: red; } p::after { content: "<p>styled</p>"; }</style>
<script>var s = "</p>not text</div>"; if (a < b) { alert("hidden"); }</script>
<script type="module">import x from "y";</SCRIPT >
</head>
<body>
<!-- a comment with <b>markup</b> -->
<h1>Garden&nbsp;waste &amp; recycling</h1>
<p>Fees: &pound;45 &#8211; paid <b>yearly</b>.<br>Call&#x20;us.</p>
<ul><li>One</li><li>Two</li></ul>
<table><tr><td>Mon</td><td>Tue</td></tr></table>
<p title='it"s > fine' data-x=don't>Quoted > attributes</p>
<p>Bare &unknown; & 3 < 4 stays</p>
<template><p>inert</p></template>
<pre>line one
  line two</pre>
</body></html>`

func TestHTMLText(t *testing.T) {
	res, err := extractBytes(t, "page.html", "", []byte(sampleHTML), Options{})
	checkResult(t, res, err, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Bin collection\nGarden waste & recycling\nFees: £45 – paid yearly.\nCall us.\nOne\nTwo\nMon Tue\nQuoted > attributes\nBare &unknown; & 3 < 4 stays\nline one\nline two"
	if res.MediaType != typeHTML || res.Text != want {
		t.Fatalf("got %q (%s)\nwant %q", res.Text, res.MediaType, want)
	}
	for _, hidden := range []string{"alert", "color", "styled", "not text", "markup", "inert", "import"} {
		if strings.Contains(res.Text, hidden) {
			t.Errorf("text contains %q from a script, style, comment or template", hidden)
		}
	}
}

// A page in Windows-1252 is decoded by its <meta> charset, or without one
// because it is not UTF-8, as browsers do.
func TestHTMLCharset(t *testing.T) {
	for _, page := range []string{
		"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head><body><p>Caf\xe9 \x80 5</p></body></html>",
		"<html><body><p>Caf\xe9 \x80 5</p></body></html>",
	} {
		res, err := extractBytes(t, "old.htm", "", []byte(page), Options{})
		checkResult(t, res, err, Options{})
		if err != nil || res.Text != "Café € 5" {
			t.Errorf("got %q, %v", res.Text, err)
		}
	}
}

func TestHTMLUnterminated(t *testing.T) {
	for _, page := range []string{"<p>text <script>never closed", "<p>text <!-- never closed", "<p>text <a href=\"x", "<p>text &amp"} {
		res, err := extractBytes(t, "x.html", "text/html", []byte(page), Options{})
		checkResult(t, res, err, Options{})
		if err != nil || !strings.HasPrefix(res.Text, "text") {
			t.Errorf("%q: got %q, %v", page, res.Text, err)
		}
	}
}

func TestPlainText(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"utf-8", "Dear  Sir,\r\n\r\n\r\n\r\nThe\tfee is\u00a0£5.  \r\nRegards", "Dear Sir,\n\nThe fee is £5.\nRegards"},
		{"bad bytes", "caf\xe9 ok", "caf\ufffd ok"},
		{"bom", "\xEF\xBB\xBFhello", "hello"},
		{"utf-16le", "\xFF\xFEh\x00i\x00 \x00\xAC\x20", "hi €"},
		{"utf-16be", "\xFE\xFF\x00h\x00i", "hi"},
		{"soft hyphen", "infor\u00admation", "information"},
	} {
		res, err := extractBytes(t, "notes.txt", "", []byte(c.in), Options{})
		checkResult(t, res, err, Options{})
		if err != nil || res.Text != c.want || res.MediaType != typeText {
			t.Errorf("%s: got %q (%s), %v; want %q", c.name, res.Text, res.MediaType, err, c.want)
		}
	}
}

func TestTruncatedAtWordBoundary(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"alpha beta gamma", 12, "alpha beta"},
		{"alpha beta gamma", 10, "alpha beta"},
		{"alpha\n\nbeta gamma", 9, "alpha"},
		{strings.Repeat("x", 30), 10, strings.Repeat("x", 10)},
		{"aé€", 5, "aé"},
	} {
		o := Options{MaxText: c.max}
		res, err := extractBytes(t, "t.txt", "", []byte(c.in), o)
		checkResult(t, res, err, o)
		if res.Text != c.want || !res.Truncated {
			t.Errorf("%q cut to %d: got %q (truncated %v), want %q", c.in, c.max, res.Text, res.Truncated, c.want)
		}
	}
	res, _ := extractBytes(t, "t.txt", "", []byte("fits"), Options{MaxText: 4})
	if res.Text != "fits" || res.Truncated {
		t.Errorf("text exactly at the limit: %+v", res)
	}
}

// The builder's rules, which every format's text passes through.
func TestBuilderCleansText(t *testing.T) {
	b := newBuilder(100)
	b.WriteString("  \x00lead\x01ing\u200b  and\x7f \u0085trail\ufeff \f")
	b.Write([]byte("\xff\xfe end \u2028"))
	if got, _ := b.result(); got != "leading and\ntrail\n\n\ufffd\ufffd end" {
		t.Fatalf("got %q", got)
	}
}
