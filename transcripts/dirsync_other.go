//go:build !unix

package transcripts

// foldersSync says whether a folder opened for reading can be synced: not
// here (Windows refuses to flush a folder; its file systems journal the
// names in it).
const foldersSync = false
