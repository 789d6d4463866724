package post

import (
	"context"
	"crypto/sha1"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// nameUUID is a name-based (version 5 style) UUID: the same name always
// gives the same id, so each organisation's case updates service and its
// template exist once without a lookup table.
func nameUUID(name string) string {
	h := sha1.Sum([]byte("dbtp-post:" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// CaseUpdatesService is the id of the "Case updates" sending service of
// unitID in orgID: the one the services engine's workflow email about
// that unit's cases goes through. Each business unit has its own, so the
// unit owns its case updates, their template and the messages sent, as
// it owns its cases: only its staff read them. (Before units had their
// own, each organisation had one, with no unit: unitID "" names it, for
// the messages it sent and for a case with no unit.)
func CaseUpdatesService(orgID, unitID string) string {
	if unitID == "" {
		return nameUUID("case-updates:" + orgID)
	}
	return nameUUID("case-updates:" + orgID + ":" + unitID)
}

// caseUpdatesTemplate is its one email template, a pass-through: the
// workflow writes the words.
func caseUpdatesTemplate(orgID, unitID string) string {
	if unitID == "" {
		return nameUUID("case-updates-email:" + orgID)
	}
	return nameUUID("case-updates-email:" + orgID + ":" + unitID)
}

// isCaseUpdates reports whether t is a case updates pass-through, which
// people do not send with.
func isCaseUpdates(t Template) bool { return t.ServiceID == CaseUpdatesService(t.OrgID, t.UnitID) }

// ensureCaseUpdates makes unitID's case updates service and template, once.
func (s *Store) ensureCaseUpdates(ctx context.Context, tx *store.Tx, orgID, unitID string) (serviceID, templateID string, err error) {
	serviceID, templateID = CaseUpdatesService(orgID, unitID), caseUpdatesTemplate(orgID, unitID)
	now := store.Millis(s.now())
	if _, err = tx.Exec(ctx, `INSERT INTO post_services (id, org_id, unit_id, name, created_at, updated_at) VALUES (?, ?, ?, 'Case updates', ?, ?)
		ON CONFLICT (id) DO NOTHING`, serviceID, orgID, unitID, now, now); err != nil {
		return
	}
	if _, err = tx.Exec(ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, created_at, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, 'Case update (the workflow writes it)', '((subject))', '((body))', 1, 1, ?, ?, 'system') ON CONFLICT (id) DO NOTHING`,
		templateID, orgID, serviceID, unitID, KindEmail, now, now); err != nil {
		return
	}
	_, err = tx.Exec(ctx, `INSERT INTO post_template_versions (template_id, version, subject, body, created_at, created_by) VALUES (?, 1, '((subject))', '((body))', ?, 'system')
		ON CONFLICT (template_id, version) DO NOTHING`, templateID, now)
	return
}

// CaseEmail is an email the services engine's workflow sends about a case.
type CaseEmail struct {
	MessageID string // the outbox message's id: sending it twice makes one notification
	OrgID     string
	CaseID    string
	UnitID    string // the case's business unit: its case updates service sends it
	Reference string // the case's reference, kept as the notification's reference
	PersonID  string // the user it is to, when known
	To        string // the email address
	Subject   string
	Body      string
}

// SendCaseEmail makes a workflow email a notification of the
// organisation's case updates service, queued for delivery, on the case:
// it then has Notify's statuses and shows on the case page. It goes
// through the send path every notification takes (the address checked,
// the template rendered, the person's preferences read, the delivery job
// queued in the same write); it is idempotent on m.MessageID and returns
// the notification's id.
func (s *Store) SendCaseEmail(ctx context.Context, m CaseEmail) (string, error) {
	if m.OrgID == "" {
		return "", platform.Invalid("A case email needs an organisation")
	}
	sv, err := s.caseUpdatesService(ctx, m.OrgID, m.UnitID)
	if err != nil {
		return "", err
	}
	n, err := s.send(ctx, sv, platform.System(m.OrgID), nil, SendInput{Kind: KindEmail, TemplateID: caseUpdatesTemplate(m.OrgID, m.UnitID), To: m.To,
		Personalisation: map[string]any{"subject": m.Subject, "body": m.Body}, Reference: m.Reference, ClientKey: m.MessageID,
		CaseID: m.CaseID, PersonID: m.PersonID})
	return n.ID, err
}

// caseUpdatesService is unitID's case updates service, made (with its
// template) the first time it is needed.
func (s *Store) caseUpdatesService(ctx context.Context, orgID, unitID string) (Service, error) {
	sv, err := s.ServiceByID(ctx, CaseUpdatesService(orgID, unitID))
	if platform.CodeOf(err) != platform.CodeNotFound {
		return sv, err
	}
	if err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, _, err := s.ensureCaseUpdates(ctx, tx, orgID, unitID)
		return err
	}); err != nil {
		return Service{}, err
	}
	return s.ServiceByID(ctx, CaseUpdatesService(orgID, unitID))
}

// CaseMessage is a message sent about a case, as the case page lists it.
type CaseMessage struct {
	ID        string
	Kind      string
	To        string
	Subject   string
	Status    string
	Service   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// A case's messages are found through the partial index
// post_notifications_case, which the planner may use only when the query
// repeats its condition (a case ID not empty): without it, it walked every
// message of the organisation for each case page (half the server's CPU
// under load with 45,000 messages sent). TestCaseMessagesUseTheirIndex
// checks both queries.
const (
	caseMessagesQuery = `SELECT n.id, n.kind, n.recipient, n.subject, n.status, s.name, n.created_at, n.updated_at
		FROM post_notifications n JOIN post_services s ON s.id = n.service_id
		WHERE n.org_id = ? AND n.case_id = ? AND n.case_id <> '' ORDER BY n.created_at, n.id`
	messagesToPersonQuery = `SELECT id, kind, subject, body, status, created_at FROM post_notifications
		WHERE org_id = ? AND case_id = ? AND case_id <> '' AND person_id = ? AND status <> ? ORDER BY created_at, id`
)

// CaseMessages lists every message sent about case caseID of sub's
// organisation, oldest first. The caller has shown that sub may see the
// case; post's own rule adds that only staff read post.
func (s *Store) CaseMessages(ctx context.Context, sub *platform.Subject, caseID string) ([]CaseMessage, error) {
	if err := s.access.Check(ctx, sub, access.Read, access.Resource{Type: ResourceType, OrgID: sub.OrgID}); err != nil {
		return nil, err
	}
	if caseID == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, caseMessagesQuery, sub.OrgID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseMessage
	for rows.Next() {
		var m CaseMessage
		var created, updated int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Status, &m.Service, &created, &updated); err != nil {
			return nil, err
		}
		m.CreatedAt, m.UpdatedAt = store.Time(created), store.Time(updated)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessageToPerson is a message sent to a person about their case, as
// they see it on their request page: what it was about, not who sent it
// or to which address.
type MessageToPerson struct {
	ID        string // its page for them: see MessageToPersonByID
	Kind      string
	Subject   string
	Excerpt   string // its first lines
	Status    string
	CreatedAt time.Time
}

// excerptRunes is how much of a message's text a person sees in the list
// of what was sent them.
const excerptRunes = 200

// MessagesToPerson lists the messages sent to sub about case caseID,
// oldest first: only those addressed to sub as a person (person_id), so a
// resident sees the council's messages to them and never a message to
// staff or to anyone else about the same case. The caller has shown the
// case is sub's.
func (s *Store) MessagesToPerson(ctx context.Context, sub *platform.Subject, caseID string) ([]MessageToPerson, error) {
	if sub == nil || sub.UserID == "" || caseID == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, messagesToPersonQuery, sub.OrgID, caseID, sub.UserID, StatusCancelled)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MessageToPerson
	for rows.Next() {
		var m MessageToPerson
		var body string
		var created int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Subject, &body, &m.Status, &created); err != nil {
			return nil, err
		}
		m.Excerpt, m.CreatedAt = excerpt(body), store.Time(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessageToPersonByID is one message sent to sub as a person, whole, for
// their own page of it: only one addressed to them (person_id), sent
// about a case, and not cancelled; any other is not found, whoever asks.
func (s *Store) MessageToPersonByID(ctx context.Context, sub *platform.Subject, id string) (Notification, error) {
	if sub == nil || sub.UserID == "" || id == "" {
		return Notification{}, platform.NotFound("message")
	}
	n, err := scanNotification(s.db.QueryRow(ctx, "SELECT "+notificationColumns+` FROM post_notifications
		WHERE id = ? AND org_id = ? AND person_id = ? AND case_id <> '' AND status <> ?`, id, sub.OrgID, sub.UserID, StatusCancelled))
	if store.IsNoRows(err) {
		return n, platform.NotFound("message")
	}
	return n, err
}

// excerpt is the first lines of a message's text, up to excerptRunes.
func excerpt(body string) string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
		if len(lines) == 2 {
			break
		}
	}
	r := []rune(strings.Join(lines, " "))
	if len(r) > excerptRunes {
		return strings.TrimSpace(string(r[:excerptRunes])) + "…"
	}
	return string(r)
}
