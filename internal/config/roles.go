package config

import "slices"

// Roles a user of the HTTP interface can hold.
const (
	RoleViewer   = "viewer"   // status page and read access to the API
	RoleClerk    = "clerk"    // status page actions: retry, mark as checked
	RoleUpload   = "upload"   // HTTP upload of documents
	RoleOperator = "operator" // the queue UI and its actions
	RoleAdmin    = "admin"    // everything
)

// Channels through which documents arrive.
const (
	ChannelFolder = "folder"
	ChannelMail   = "mail"
	ChannelUpload = "upload"
)

// KnownRoles lists every valid role, for validation and documentation.
var KnownRoles = []string{RoleViewer, RoleClerk, RoleUpload, RoleOperator, RoleAdmin}

// HasRole reports whether u holds role. Admins hold every role; a user
// without roles holds viewer and operator, as before roles existed.
func (u User) HasRole(role string) bool {
	if len(u.Roles) == 0 {
		return role == RoleViewer || role == RoleOperator
	}
	return slices.Contains(u.Roles, role) || slices.Contains(u.Roles, RoleAdmin)
}
