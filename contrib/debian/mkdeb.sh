#!/bin/sh
# contrib/debian/mkdeb.sh - the Debian package from a `make install` tree:
# `make deb` runs `make install DESTDIR=DIR/debian/authmilter PREFIX=/usr`,
# then this script (dpkg-dev and dpkg-deb only; no debhelper):
#
#   sh contrib/debian/mkdeb.sh DIR VERSION MAINTAINER
#
# DIR/debian/authmilter is the package's tree. Added here: the man pages
# gzip'd (-9n, as dh_compress), DEBIAN/ with control (Depends from dpkg-shlibdeps on the
# binary, plus adduser for the postinst and dns-root-data for the trust
# anchor), conffiles (/etc/authmilter.conf), md5sums and the maintainer
# scripts of contrib/debian. Writes DIR/authmilter_VERSION_ARCH.deb (files
# owned by root whoever builds it) and prints its path.
set -eu
dir=$1 version=$2 maintainer=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$dir/debian/authmilter
arch=$(dpkg --print-architecture)

[ -x "$root/usr/sbin/authmilter" ] || { echo "mkdeb: no $root/usr/sbin/authmilter (make install first)" >&2; exit 1; }
gzip -9nf "$root"/usr/share/man/man*/*.[0-9]

install -d -m 0755 "$root/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$src/contrib/debian/$s" "$root/DEBIAN/$s"
done
echo /etc/authmilter.conf > "$root/DEBIAN/conffiles"
# dpkg-shlibdeps reads debian/control of the current directory and wants
# the binary inside debian/PACKAGE
printf 'Source: authmilter\n\nPackage: authmilter\nArchitecture: any\n' > "$dir/debian/control"
shlibs=$(cd "$dir" && dpkg-shlibdeps -O -edebian/authmilter/usr/sbin/authmilter |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
    -e "s|@MAINTAINER@|$maintainer|" -e "s|@SHLIBS@|$shlibs|" \
    "$src/contrib/debian/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' |
    LC_ALL=C sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
deb=$dir/authmilter_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
