package postweb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/post/letter"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestLettersGoToThePrintDrop sends a letter from a template and a
// precompiled letter through the Notify API with the print drop as the
// letter provider: delivery hands both over (accepted), the drop's timer
// puts them in a batch in the folder (the PDFs and the manifest; the
// precompiled PDF exactly as the caller sent it), and the receipts job
// learns from the drop that the printer has them (received).
func TestLettersGoToThePrintDrop(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_LETTER_PROVIDER": "print", "DBTP_POST_PRINT_DIR": dir, "DBTP_POST_PRINT_EVERY": "1s"})
		c, _, _ := e.notifyKey(post.KeyNormal)
		tpl := e.rowTemplate(post.KindLetter, "Bins", "Your bin collection", "Dear ((name)),\n\nYour bins go on ((day)).")

		res := c.post("/v2/notifications/letter", map[string]any{"template_id": tpl.ID, "personalisation": map[string]any{"name": "Rita", "day": "Tuesday",
			"address_line_1": "Rita Resident", "address_line_2": "12 Mill Lane", "address_line_3": "Northtown", "address_line_4": "NS2 3BB"}})
		want(t, res, 201)
		fromTemplate := decodeNotify(t, res)["id"].(string)

		own, _, err := letter.Render(letter.Letter{Council: "Northshire Council", Address: []string{"Sam Sender", "1 Quay Street", "Northtown", "NS1 2CD"},
			Heading: "A letter of our own"})
		noErr(t, err)
		res = c.post("/v2/notifications/letter", map[string]any{"reference": "own-letter-1", "content": base64.StdEncoding.EncodeToString(own)})
		want(t, res, 201)
		precompiled := decodeNotify(t, res)["id"].(string)

		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		status := func(id string) string {
			t.Helper()
			return decodeNotify(t, c.get("/v2/notifications/"+id))["status"].(string)
		}
		for _, id := range []string{fromTemplate, precompiled} {
			if st := status(id); st != post.StatusAccepted {
				t.Fatalf("%s after delivery: %s, want accepted", id, st)
			}
		}

		// The drop's own timer (DBTP_POST_PRINT_EVERY) writes the batch:
		// wait for both letters to be in the folder.
		files := map[string][]byte{} // letter id -> its PDF in a batch
		var entries []map[string]any
		for deadline := time.Now().Add(30 * time.Second); len(files) < 2; {
			if time.Now().After(deadline) {
				t.Fatalf("the letters did not reach the print folder: %d of 2", len(files))
			}
			time.Sleep(50 * time.Millisecond) // polling for the drop's goroutine, not timing it
			files, entries = map[string][]byte{}, nil
			batches, err := os.ReadDir(dir)
			noErr(t, err)
			for _, b := range batches {
				if strings.HasPrefix(b.Name(), ".") {
					continue // a batch being written
				}
				raw, err := os.ReadFile(filepath.Join(dir, b.Name(), "manifest.json"))
				noErr(t, err)
				var m struct {
					Letters []map[string]any `json:"letters"`
				}
				noErr(t, json.Unmarshal(raw, &m))
				if _, err := os.Stat(filepath.Join(dir, b.Name(), "manifest.csv")); err != nil {
					t.Fatalf("batch %s has no CSV manifest: %v", b.Name(), err)
				}
				for _, l := range m.Letters {
					pdf, err := os.ReadFile(filepath.Join(dir, b.Name(), l["file"].(string)))
					noErr(t, err)
					files[l["id"].(string)] = pdf
					entries = append(entries, l)
				}
			}
		}
		if !bytes.Equal(files[precompiled], own) {
			t.Fatalf("the precompiled letter was not printed as sent: %d bytes, want %d", len(files[precompiled]), len(own))
		}
		if !bytes.HasPrefix(files[fromTemplate], []byte("%PDF-")) {
			t.Fatal("the template's letter is not a PDF")
		}
		for _, l := range entries {
			if l["id"] == fromTemplate {
				if addr, _ := json.Marshal(l["address"]); string(addr) != `["Rita Resident","12 Mill Lane","Northtown","NS2 3BB"]` {
					t.Fatalf("manifest address %s", addr)
				}
			}
		}

		// The receipts job asks the drop, which says the printer has them.
		e.clock.Add(61 * time.Second)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		for _, id := range []string{fromTemplate, precompiled} {
			if st := status(id); st != post.StatusReceived {
				t.Fatalf("%s after the batch: %s, want received", id, st)
			}
		}
	})
}
