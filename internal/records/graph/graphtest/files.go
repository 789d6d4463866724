package graphtest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"path"
	"strings"
	"time"

	"dbtp/internal/records/graph"
)

// drives describes the two drives files can be added to.
var drives = map[string]struct {
	siteID, webRoot, driveType, author string
}{
	SharePointDriveID: {SharePointSiteID, "https://kentcc.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/", "documentLibrary", "Priya Patel"},
	OneDriveID:        {OneDriveSiteID, "https://kentcc-my.sharepoint.com/personal/jane_smith_kent_gov_uk/Documents/", "business", "Jane Smith"},
}

// AddFile puts a file at the top of a drive (SharePointDriveID or
// OneDriveID) and returns it as graph.Client.Item will describe it. Graph
// serves it like the recorded files: metadata with a QuickXorHash, content
// through a 302, and /shares resolves its WebURL (see also SharingLinkFor).
func (s *Server) AddFile(driveID, name string, content []byte) graph.Item {
	s.t.Helper()
	d, ok := drives[driveID]
	if !ok {
		s.t.Fatalf("graphtest: AddFile: unknown drive %q (use SharePointDriveID or OneDriveID)", driveID)
	}
	if name == "" || strings.ContainsAny(name, `/\:*?"<>|`) {
		s.t.Fatalf("graphtest: AddFile: %q is not a name OneDrive or SharePoint accepts", name)
	}
	h := graph.NewQuickXorHash()
	h.Write(content)
	now := time.Now().UTC().Truncate(time.Second)
	it := graph.Item{
		ID: "01" + randomID(32), DriveID: driveID, Name: name,
		MimeType: mimeType(name), WebURL: d.webRoot + url.PathEscape(name),
		ETag: `"{` + strings.ToUpper(randomToken()[:8]) + `},1"`, Size: int64(len(content)),
		Created: now, Modified: now, CreatedBy: d.author, ModifiedBy: d.author,
		Path: "/", SiteID: d.siteID, QuickXorHash: base64.StdEncoding.EncodeToString(h.Sum(nil)),
	}
	person := map[string]any{"user": map[string]string{
		"displayName": d.author,
		"email":       strings.ReplaceAll(strings.ToLower(d.author), " ", ".") + "@kent.gov.uk",
	}}
	body, err := json.MarshalIndent(map[string]any{
		"@odata.context":               "https://graph.microsoft.com/v1.0/$metadata#drives('" + url.PathEscape(driveID) + "')/items/$entity",
		"@microsoft.graph.downloadUrl": "{{downloadUrl}}",
		"id":                           it.ID,
		"name":                         it.Name,
		"eTag":                         it.ETag,
		"cTag":                         `"c:` + it.ETag[1:],
		"size":                         it.Size,
		"webUrl":                       it.WebURL,
		"createdDateTime":              now.Format(time.RFC3339),
		"lastModifiedDateTime":         now.Format(time.RFC3339),
		"createdBy":                    person,
		"lastModifiedBy":               person,
		"parentReference": map[string]string{
			"driveType": d.driveType, "driveId": driveID, "id": "01" + randomID(32),
			"path": "/drives/" + driveID + "/root:", "siteId": d.siteID,
		},
		"file": map[string]any{
			"mimeType": it.MimeType,
			"hashes":   map[string]string{"quickXorHash": it.QuickXorHash},
		},
		"fileSystemInfo": map[string]string{
			"createdDateTime": now.Format(time.RFC3339), "lastModifiedDateTime": now.Format(time.RFC3339),
		},
	}, "", "  ")
	if err != nil {
		s.t.Fatalf("graphtest: AddFile: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[it.ID] = &entry{driveID: driveID, json: body, content: append([]byte(nil), content...)}
	s.links[it.WebURL] = it.ID
	return it
}

// SharingLinkFor makes a sharing link ("Copy link" in SharePoint) that
// /shares resolves to the item.
func (s *Server) SharingLinkFor(itemID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[itemID]; !ok {
		s.t.Fatalf("graphtest: SharingLinkFor: no item %q", itemID)
	}
	link := "https://kentcc.sharepoint.com/:u:/s/AdultSocialCare/E" + randomToken() + "?e=" + randomToken()[:6]
	s.links[link] = itemID
	return link
}

// mimeType is what SharePoint reports for the usual office files.
func mimeType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	case ".pdf":
		return "application/pdf"
	case ".txt":
		return "text/plain"
	case ".csv":
		return "text/csv"
	case ".eml":
		return "message/rfc822"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	}
	return "application/octet-stream"
}
