# Sourced by the scripts: picks JDK 25 (JAVA_HOME if it is 25+, else Temurin 25), since the default java may be 17.
bastion_select_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major
    major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
    if [ "${major%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$candidate"; export PATH="$JAVA_HOME/bin:$PATH"; return 0; fi
  done
  echo "bastion: JDK 25 not found; set JAVA_HOME to a JDK 25 installation" >&2
  return 1
}
bastion_select_jdk
