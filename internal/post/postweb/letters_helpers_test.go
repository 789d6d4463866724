package postweb

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/store"
)

// letterTemplate stores a template of e.service straight into the table
// (the templates part's engine makes them in the real module), owned by
// Customer services, and returns its id.
func (e *env) lettersTemplate(kind, subject, body string, statutory bool) string {
	e.t.Helper()
	id := post.NewUUID()
	now := store.Millis(e.clock.Now())
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`, id, e.org.ID, e.service.ID, e.units["Customer services"], kind, "Test "+kind, subject, body,
			map[bool]int{true: 1}[statutory], now, now); err != nil {
			return err
		}
		_, err := tx.Exec(e.ctx, `INSERT INTO post_template_versions (template_id, version, subject, body, created_at) VALUES (?, 1, ?, ?, ?)`, id, subject, body, now)
		return err
	}))
	return id
}

// lettersPDFText is pdftotext's reading of pdf (poppler-utils; CI installs it).
func lettersPDFText(t testing.TB, pdf string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed (Debian: poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	p := filepath.Join(t.TempDir(), "x.pdf")
	noErr(t, os.WriteFile(p, []byte(pdf), 0o600))
	out, err := exec.Command(bin, "-layout", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
