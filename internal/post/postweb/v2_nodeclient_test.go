package postweb

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// nodeClientScript drives GOV.UK Notify's own Node.js client library
// (notifications-node-client, unchanged) against dbtp, printing one JSON
// line per call: {"call": name, "data": response body} or {"call": name,
// "status": HTTP status, "error": Notify's error body}.
const nodeClientScript = `
const NotifyClient = require('notifications-node-client').NotifyClient;
const [url, key, emailT, smsT, letterT] = process.argv.slice(1);
const c = new NotifyClient(url, key);
const out = (call, p) => p.then(r => console.log(JSON.stringify({call, data: r.data})))
  .catch(e => console.log(JSON.stringify({call, status: e.response && e.response.status, error: e.response ? e.response.data : String(e)})));
(async () => {
  await out('sendEmail', c.sendEmail(emailT, 'rita@example.org', {personalisation: {name: 'Rita', reference: 'C-1'}, reference: 'node-1'}));
  await out('sendSms', c.sendSms(smsT, '07700 900123', {personalisation: {date: 'Monday'}}));
  await out('sendLetter', c.sendLetter(letterT, {personalisation: {name: 'Rita', address_line_1: 'Rita Resident', address_line_2: '1 High Street', address_line_3: 'NS1 1AA'}}));
  await out('sendPrecompiledLetter', c.sendPrecompiledLetter('node-letter', Buffer.from('%PDF-1.7\n%node\n')));
  await out('missing', c.sendEmail(emailT, 'rita@example.org', {personalisation: {}}));
  await out('badEmail', c.sendEmail(emailT, 'rita@', {personalisation: {name: 'R', reference: 'x'}}));
  await out('getNotifications', c.getNotifications('email', '', 'node-1'));
  const list = await c.getNotifications();
  await out('getNotificationById', c.getNotificationById(list.data.notifications[0].id));
  await out('getTemplateById', c.getTemplateById(emailT));
  await out('getTemplateByIdAndVersion', c.getTemplateByIdAndVersion(emailT, 1));
  await out('getAllTemplates', c.getAllTemplates('sms'));
  await out('previewTemplateById', c.previewTemplateById(emailT, {name: 'Rita', reference: 'C-9'}));
})();
`

// TestNotifyNodeClient runs Notify's own Node.js client against the API.
// It needs node and the package installed: set DBTP_NOTIFY_NODE_MODULES
// to a node_modules folder holding notifications-node-client (npm install
// notifications-node-client@8.4.0); without it the test is skipped, as the
// tests fetch nothing.
func TestNotifyNodeClient(t *testing.T) {
	mods := os.Getenv("DBTP_NOTIFY_NODE_MODULES")
	if mods == "" {
		t.Skip("DBTP_NOTIFY_NODE_MODULES is not set")
	}
	if _, err := os.Stat(filepath.Join(mods, "notifications-node-client")); err != nil {
		t.Fatalf("no notifications-node-client in %s: %v", mods, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.clock.Set(time.Now()) // the library signs with the real time
		email := e.rowTemplate(post.KindEmail, "Acknowledgement", "Your complaint ((reference))", "Dear ((name))")
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "On ((date)).")
		letter := e.rowTemplate(post.KindLetter, "Letter", "About", "Dear ((name))")
		_, _, whole := e.notifyKey(post.KeyNormal)
		cmd := exec.Command(node, "-e", nodeClientScript, e.srv.URL, whole, email.ID, sms.ID, letter.ID)
		cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
		outb, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, outb)
		}
		got := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not JSON: %s\n%s", line, outb)
			}
			got[m["call"].(string)] = m
		}
		ok := func(call string) map[string]any {
			t.Helper()
			m := got[call]
			if m == nil || m["data"] == nil {
				t.Fatalf("%s failed: %v", call, m)
			}
			return m["data"].(map[string]any)
		}
		if d := ok("sendEmail"); d["content"].(map[string]any)["subject"] != "Your complaint C-1" || d["reference"] != "node-1" {
			t.Fatalf("sendEmail %v", d)
		}
		ok("sendSms")
		ok("sendLetter")
		if d := ok("sendPrecompiledLetter"); d["reference"] != "node-letter" {
			t.Fatalf("precompiled %v", d)
		}
		for call, msg := range map[string]string{"missing": "Missing personalisation: ", "badEmail": "email_address Not a valid email address"} {
			m := got[call]
			if m == nil || m["status"] != 400.0 || !strings.Contains(strings.Join(strings.Fields(jsonText(m["error"])), " "), msg) {
				t.Fatalf("%s: %v", call, m)
			}
		}
		if ns := ok("getNotifications")["notifications"].([]any); len(ns) != 1 {
			t.Fatalf("getNotifications by reference: %d", len(ns))
		}
		ok("getNotificationById")
		if d := ok("getTemplateById"); d["id"] != email.ID {
			t.Fatalf("template %v", d)
		}
		ok("getTemplateByIdAndVersion")
		if ts := ok("getAllTemplates")["templates"].([]any); len(ts) != 1 {
			t.Fatalf("sms templates %d", len(ts))
		}
		if d := ok("previewTemplateById"); d["subject"] != "Your complaint C-9" {
			t.Fatalf("preview %v", d)
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
