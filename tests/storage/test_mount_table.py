"""Where a workspace may live, read from recorded mount tables (the type and the options of the mount holding the
file), the refused kinds kept as data (resources/storage/filesystems.toml): a network share, a virtual machine's
shared folder, a FUSE file system or a cloud drive, a CD — refused with the kind's own message in both languages;
a disk mounted read-only opens read-only, saying so. A laptop's own disks (ext4, btrfs, xfs, NTFS through FUSE's
block driver, an overlay, tmpfs) are fine."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import catalogue
from fieldsurvey.storage import durability
from fieldsurvey.storage.workspace import Workspace
from tests.storage.conftest import INFO

# Lines as Linux writes them in /proc/mounts, from real machines: a laptop, a VirtualBox guest, a QEMU/KVM guest, a
# WSL instance, a desktop with cloud drives and a phone.
RECORDED = r"""/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1 0 0
/dev/nvme0n1p3 /home btrfs rw,relatime,ssd,space_cache=v2,subvolid=256,subvol=/@home 0 0
/dev/sda2 /media/lan/Windows fuseblk rw,nosuid,nodev,relatime,user_id=0,group_id=0,allow_other,blksize=4096 0 0
/dev/sda3 /media/lan/Data xfs ro,relatime,attr2,inode64,noquota 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w 0 0
tmpfs /run/user/1000 tmpfs rw,nosuid,nodev,relatime,size=1633420k,mode=700,uid=1000,gid=1000 0 0
ra-soat /media/sf_ra-soat vboxsf rw,nodev,relatime,iocharset=utf8,uid=0,gid=998,dmode=0770,fmode=0770,tag=VBoxAutomounter 0 0
hostshare /mnt/hostshare 9p rw,sync,dirsync,relatime,access=client,trans=virtio 0 0
hostfs /mnt/virtiofs virtiofs rw,relatime 0 0
C:\134 /mnt/c 9p rw,noatime,dirsync,aname=drvfs;path=C:\;uid=1000;gid=1000,mmap,access=client,msize=65536,trans=fd 0 0
.host:/ /mnt/hgfs fuse.vmhgfs-fuse rw,nosuid,nodev,relatime,user_id=0,group_id=0,allow_other 0 0
gdrive: /home/lan/GoogleDrive fuse.rclone rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
google-drive-ocamlfuse /home/lan/gdrive fuse.google-drive-ocamlfuse rw,nosuid,nodev,relatime,user_id=1000 0 0
onedriver /home/lan/OneDrive fuse.onedriver rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
https://cloud.example.vn/remote.php/webdav /home/lan/nextcloud davfs rw,nosuid,nodev,noexec,relatime,uid=1000 0 0
gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
jmtpfs /home/lan/phone fuse.jmtpfs rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
someprog /home/lan/plain fuse rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
lan@server:/srv /home/lan/remote fuse.sshfs rw,nosuid,nodev,relatime,user_id=1000,group_id=1000 0 0
server:/export /mnt/nfs nfs4 rw,relatime,vers=4.2,rsize=1048576,wsize=1048576 0 0
//office/chung /mnt/office cifs rw,relatime,vers=3.1.1,cache=strict 0 0
/dev/sr0 /media/lan/CDROM iso9660 ro,nosuid,nodev,relatime,nojoliet,check=s,map=n,blocksize=2048 0 0
"""


@pytest.mark.parametrize("where, key, fstype", [
    ("/media/sf_ra-soat/xa.fsdb", "storage.error.vm_share", "vboxsf"),
    ("/mnt/hostshare/xa.fsdb", "storage.error.vm_share", "9p"),
    ("/mnt/virtiofs/xa.fsdb", "storage.error.vm_share", "virtiofs"),
    ("/mnt/c/Users/lan/xa.fsdb", "storage.error.vm_share", "9p"),
    ("/mnt/hgfs/share/xa.fsdb", "storage.error.vm_share", "fuse.vmhgfs-fuse"),
    ("/home/lan/GoogleDrive/xa.fsdb", "storage.error.cloud_drive", "fuse.rclone"),
    ("/home/lan/gdrive/xa.fsdb", "storage.error.cloud_drive", "fuse.google-drive-ocamlfuse"),
    ("/home/lan/OneDrive/xa.fsdb", "storage.error.cloud_drive", "fuse.onedriver"),
    ("/home/lan/nextcloud/xa.fsdb", "storage.error.cloud_drive", "davfs"),
    ("/run/user/1000/gvfs/smb-share:server=office/xa.fsdb", "storage.error.network_share", "fuse.gvfsd-fuse"),
    ("/home/lan/phone/xa.fsdb", "storage.error.fuse_mount", "fuse.jmtpfs"),
    ("/home/lan/plain/xa.fsdb", "storage.error.fuse_mount", "fuse"),
    ("/home/lan/remote/xa.fsdb", "storage.error.network_share", "fuse.sshfs"),
    ("/mnt/nfs/xa.fsdb", "storage.error.network_share", "nfs4"),
    ("/mnt/office/xa.fsdb", "storage.error.network_share", "cifs"),
    ("/media/lan/CDROM/xa.fsdb", "storage.error.removable_media", "iso9660"),
])
def test_refused_kinds(where, key, fstype):
    found = durability.storage_problem_detail(Path(where), RECORDED, Path("/nonexistent"))
    assert found is not None and found[0] == key and found[1]["fstype"] == fstype
    exc = WorkspaceError(found[0], where, **found[1])
    assert "Copy the file to this" in exc.text("en") and "Hãy chép tệp vào ổ đĩa của chính máy này" in exc.text("vi")


@pytest.mark.parametrize("where", ["/home/lan/FieldSurvey/xa.fsdb", "/xa.fsdb", "/boot/efi/xa.fsdb",
                                   "/media/lan/Windows/Users/xa.fsdb", "/var/lib/docker/overlay2/abc/merged/xa.fsdb",
                                   "/run/user/1000/xa.fsdb", "/media/lan/Data/xa.fsdb",
                                   "/home/lan/GoogleDrive-old/xa.fsdb"])    # not inside /home/lan/GoogleDrive
def test_local_disks_are_fine(where):
    assert durability.storage_problem_detail(Path(where), RECORDED, Path("/nonexistent")) is None


def test_a_disk_mounted_read_only_is_read_from_the_options():
    assert durability.mounted_read_only(Path("/media/lan/Data/xa.fsdb"), RECORDED) == "/media/lan/Data"
    assert durability.mounted_read_only(Path("/home/lan/xa.fsdb"), RECORDED) is None


def test_every_kind_in_the_data_file_has_its_message_in_both_languages():
    systems = durability.file_systems()
    assert [k.name for k in systems.kinds] == ["cloud", "network", "vm_share", "fuse", "removable"]
    for kind in systems.kinds:
        for lang in ("vi", "en"):
            text = catalogue(lang)[kind.message]
            assert "{fstype}" in text and "{point}" in text
    assert systems.refused("fuse.rclone").name == "cloud"       # an earlier kind wins over fuse.*
    assert systems.refused("fuseblk") is None and systems.refused("ext4") is None
    assert "ro" in systems.read_only_options


def test_the_data_file_can_be_replaced(tmp_path):
    data = tmp_path / "fs.toml"
    data.write_text('version = 1\n[kinds.lab]\nmessage = "storage.error.network_share"\ntypes = ["zfs"]\n'
                    'prefixes = ["fuse."]\n[options]\nread_only = ["ro", "norecovery"]\n', encoding="utf-8")
    systems = durability.load_file_systems(data)
    assert systems.refused("zfs").name == "lab" and systems.refused("vboxsf") is None
    assert systems.read_only_options == {"ro", "norecovery"}


def test_opening_on_a_refused_mount_and_on_a_read_only_one(tmp_path):
    path = tmp_path / "xa.fsdb"
    Workspace.create(path, INFO, ["Thôn 1"], mounts_text="").close()
    share = f"/dev/vda / ext4 rw 0 0\nhostshare {tmp_path} virtiofs rw,relatime 0 0\n"
    with pytest.raises(WorkspaceError) as refused:
        Workspace.open(path, mounts_text=share)
    assert refused.value.key == "storage.error.vm_share"
    assert refused.value.text("vi").startswith(f"{path}: Tệp rà soát nằm trong thư mục mà máy ảo dùng chung")
    with pytest.raises(WorkspaceError, match="cloud drive"):
        Workspace.create(tmp_path / "new.fsdb", INFO, mounts_text=f"gd {tmp_path} fuse.rclone rw 0 0\n")
    read_only = f"/dev/vda / ext4 rw 0 0\n/dev/vdb {tmp_path} ext4 ro,relatime 0 0\n"
    with Workspace.open(path, mounts_text=read_only) as ws:
        assert ws.read_only and ws.read_only_key == "storage.error.read_only_mount"
        with pytest.raises(WorkspaceError) as edit:
            ws.set_meta("x", "y")
        assert f"mounted read-only (at {tmp_path})" in str(edit.value)
        assert f"đang được gắn ở chế độ chỉ đọc (tại {tmp_path})" in edit.value.text("vi")


def test_the_command_line_says_it(tmp_path, monkeypatch):
    path = tmp_path / "xa.fsdb"
    Workspace.create(path, INFO, ["Thôn 1"], mounts_text="").close()
    monkeypatch.setattr(durability, "_mount_table", lambda text: f"hostfs {tmp_path} virtiofs rw 0 0\n")
    out = CliRunner(env={"FIELDSURVEY_LANG": "vi"}).invoke(main, ["households", "list", str(path)])
    assert out.exit_code == 1 and "máy ảo dùng chung" in out.output and "Traceback" not in out.output
