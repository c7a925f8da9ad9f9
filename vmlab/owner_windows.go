package vmlab

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no uid and no mode bits: a record and its folders are the user's alone when the user owns
// them (an elevated user's are owned by the Administrators group) and their access list lets no one write
// them but their owner, the system and the Administrators.

// ownedAlone checks that a record's folder is this user's and no one else's to write: lvslab acts on what
// a record names.
func ownedAlone(path string) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("%s: reading its owner and access list: %w", path, err)
	}
	return ownedBy(path, sd)
}

// privateFolders checks the folders that hold a user's records: each a folder, not a link, theirs alone to
// write. (euid is Unix's; Windows has none.)
func privateFolders(_ int, dirs ...string) error {
	for _, dir := range dirs {
		st, err := os.Lstat(dir)
		switch {
		case err != nil:
			return fmt.Errorf("the records' folder %s: %w", dir, err)
		case !st.IsDir():
			err = fmt.Errorf("%s is no folder", dir)
		default:
			err = ownedAlone(dir)
		}
		if err != nil {
			return fmt.Errorf("the records' folder is not yours alone: %v; remove it, or set LVSLAB_STATE_DIR to a folder of yours", err)
		}
	}
	return nil
}

// ownedAloneFile is ownedAlone for an open record.
func ownedAloneFile(f *os.File) error {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("%s: reading its owner and access list: %w", f.Name(), err)
	}
	return ownedBy(f.Name(), sd)
}

// fileDeleteChild is FILE_DELETE_CHILD (winnt.h): on a folder, the right to remove what it holds.
const fileDeleteChild = 0x40

// writeRights are the rights that let their holder change a file or folder, or what it holds.
const writeRights = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.FILE_WRITE_EA | windows.FILE_WRITE_ATTRIBUTES |
	fileDeleteChild | windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL

func ownedBy(path string, sd *windows.SECURITY_DESCRIPTOR) error {
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return fmt.Errorf("%s has no owner Windows will say (%v)", path, err)
	}
	token := windows.GetCurrentProcessToken()
	user, err := token.GetTokenUser()
	if err != nil {
		return fmt.Errorf("who this user is: %w", err)
	}
	me := user.User.Sid
	mine := owner.Equals(me) || (token.IsElevated() && owner.IsWellKnown(windows.WinBuiltinAdministratorsSid))
	if !mine {
		return fmt.Errorf("%s belongs to %s; expected %s", path, owner, me)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return fmt.Errorf("%s has no access list, which lets anyone write it (%v)", path, err)
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Errorf("%s's access list: %w", path, err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Mask&writeRights == 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if sid.Equals(me) || sid.Equals(owner) || sid.IsWellKnown(windows.WinLocalSystemSid) ||
			sid.IsWellKnown(windows.WinBuiltinAdministratorsSid) || sid.IsWellKnown(windows.WinCreatorOwnerSid) {
			continue
		}
		return fmt.Errorf("%s lets %s write it; expected its owner alone (and the system, the Administrators)", path, sid)
	}
	return nil
}
