#!/bin/bash
# Phases 2 and 3: Hadoop and Tachyon on a node, with the configuration tfy rendered from the
# templates (the same files on every node). Runs on TachyonMaster first, then on the other nodes.
# Tachyon is a release (TACHYON_FROM=Release), (Github REPO VERSION) built on TachyonMaster only,
# or (Local) the archive the upload phase put on TachyonMaster, unpacked there only: the other
# nodes copy TachyonMaster's tree. Idempotent: what is installed is recorded beside it, and
# software already in place is not downloaded, built or unpacked again; files are replaced, not
# appended.
#
# From tfy: ROOT, SUDO, STAGE, INSTALL_SOFTWARE, NODE_NAME, HADOOP_VERSION, TACHYON_VERSION,
# TACHYON_FROM ("Release", "Github REPO VERSION", or "Local" on TachyonMaster and "Local RUN" on the
# other nodes, RUN naming TachyonMaster's configure run: only its change matters, it re-runs this).
set -eu
: "${ROOT?}" "${SUDO?}" "${STAGE?}" "${INSTALL_SOFTWARE?}" "${NODE_NAME?}" "${HADOOP_VERSION?}" "${TACHYON_VERSION?}" "${TACHYON_FROM?}"
read -r tachyon_from github_repo github_version <<< "$TACHYON_FROM"

owner="$(id -u):$(id -g)"
# What a directory holds is recorded in it: another version, or another source, replaces it.
installed() { [ "$(cat "$1/.tfy-installed" 2> /dev/null)" = "$2" ]; }
record() { echo "$2" > "$1/.tfy-installed"; }

fetch() { # URL DIRECTORY: unpack a release tarball into DIRECTORY, unless it holds that one.
    installed "$2" "$1" && return 0
    # Unpacked by an earlier version of this script, which recorded nothing: kept as it is.
    if [ -d "$2" ] && [ ! -e "$2/.tfy-installed" ]; then
        record "$2" "$1"
        return 0
    fi
    curl -fsSL "$1" -o /tmp/tfy-download.tgz
    $SUDO rm -rf "$2"
    $SUDO mkdir -p "$2"
    $SUDO tar -xzf /tmp/tfy-download.tgz -C "$2" --strip-components=1
    rm -f /tmp/tfy-download.tgz
    $SUDO chown -R "$owner" "$2"
    record "$2" "$1"
}

build_from_github() { # on TachyonMaster: clone github_repo at github_version into /tachyon, build it
    local tree="$ROOT/tachyon" source="$github_repo $github_version"
    installed "$tree" "$source" && return 0
    $SUDO yum install -y -q git
    fetch "https://archive.apache.org/dist/maven/maven-3/3.3.9/binaries/apache-maven-3.3.9-bin.tar.gz" "$ROOT/opt/maven"
    # A release (or an older build) is replaced; a clone only fetches what it lacks.
    [ -d "$tree/.git" ] || $SUDO rm -rf "$tree"
    $SUDO mkdir -p "$tree"
    $SUDO chown "$owner" "$tree"
    [ -d "$tree/.git" ] || git init -q "$tree"
    git -C "$tree" fetch -q "$github_repo" "$github_version"
    git -C "$tree" checkout -q -f FETCH_HEAD
    "$ROOT/opt/maven/bin/mvn" -q -f "$tree/pom.xml" -DskipTests -Dmaven.javadoc.skip=true -Dhadoop.version="$HADOOP_VERSION" clean package
    record "$tree" "$source"
}

unpack_local_archive() { # on TachyonMaster: the archive tfy uploaded into STAGE, into /tachyon
    local tree="$ROOT/tachyon" archive="$STAGE/tachyon-local.tar.gz" sum
    if [ ! -f "$archive" ]; then
        echo "configure: no Tachyon archive at $archive (with Type Local the upload phase puts tachyon_archive there)" >&2
        exit 1
    fi
    # Recorded by its digest, not its name: another archive replaces the tree, the same one is
    # not unpacked again.
    sum=$(sha256sum "$archive")
    installed "$tree" "Local ${sum%% *}" && return 0
    $SUDO rm -rf "$tree"
    $SUDO mkdir -p "$tree"
    $SUDO tar -xzf "$archive" -C "$tree" --strip-components=1
    $SUDO chown -R "$owner" "$tree"
    record "$tree" "Local ${sum%% *}"
}

copy_from_tachyon_master() { # IDENTITY: the other nodes get TachyonMaster's tree, which it recorded
    # as IDENTITY, over the cluster key; a tree that records it already is left as it is.
    installed "$ROOT/tachyon" "$1" && return 0
    $SUDO mkdir -p "$ROOT/tachyon"
    $SUDO chown "$owner" "$ROOT/tachyon"
    # --delete: the tree is TachyonMaster's exactly (its record of what it holds included); this
    # node's configuration is installed below.
    rsync -a --delete --exclude /conf/ --exclude /.git/ "TachyonMaster:/tachyon/" "$ROOT/tachyon/"
}

if [ "$INSTALL_SOFTWARE" = true ]; then
    # With S3 underneath Hadoop runs no HDFS, but its client stays: `hadoop fs` reads the bucket.
    fetch "https://archive.apache.org/dist/hadoop/common/hadoop-$HADOOP_VERSION/hadoop-$HADOOP_VERSION.tar.gz" "$ROOT/hadoop"
    case "$tachyon_from" in
        Release) fetch "https://github.com/amplab/tachyon/releases/download/v$TACHYON_VERSION/tachyon-$TACHYON_VERSION-bin.tar.gz" "$ROOT/tachyon" ;;
        Github)
            if [ "$NODE_NAME" = TachyonMaster ]; then
                build_from_github
            else
                copy_from_tachyon_master "$github_repo $github_version"
            fi
            ;;
        Local)
            if [ "$NODE_NAME" = TachyonMaster ]; then
                unpack_local_archive
            else
                # Only TachyonMaster has the archive: what it unpacked is what its record says.
                master_has=$(ssh TachyonMaster cat /tachyon/.tfy-installed)
                copy_from_tachyon_master "$master_has"
            fi
            ;;
        *) echo "configure: TACHYON_FROM must be Release, Github REPO VERSION or Local, not \"$TACHYON_FROM\"" >&2; exit 1 ;;
    esac
fi

mkdir -p "$ROOT/tachyon/conf" "$ROOT/hadoop/etc/hadoop"
# With S3 underneath, these two hold the bucket's key: for this user alone.
install -m 600 "$STAGE/tachyon-env.sh" "$ROOT/tachyon/conf/tachyon-env.sh"
install -m 644 "$STAGE/workers" "$ROOT/tachyon/conf/workers"
install -m 600 "$STAGE/core-site.xml" "$ROOT/hadoop/etc/hadoop/core-site.xml"
install -m 644 "$STAGE/hdfs-site.xml" "$ROOT/hadoop/etc/hadoop/hdfs-site.xml"
install -m 644 "$STAGE/workers" "$ROOT/hadoop/etc/hadoop/slaves"
case "$tachyon_from" in
    Github) from="built from $github_repo at $github_version" ;;
    Local) from="from the uploaded archive" ;;
    *) from="$TACHYON_VERSION" ;;
esac
echo "configure: $NODE_NAME has Hadoop $HADOOP_VERSION and Tachyon $from configuration"
