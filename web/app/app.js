// The tenant-user landing page: who am I (GET /api/v1/me), and the JS-SDK signatures for
// this page (POST /api/v1/jssdk/signature) wired into ww.register when @wecom/jssdk is
// available. Without it the page still shows the signatures it fetched.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const pageURL = () => location.href.split("#")[0];

  function showError(msg) { $("error").textContent = msg; $("error").hidden = false; }

  async function call(method, path, body) {
    const res = await fetch(path, {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (_) { /* empty body */ }
    return { status: res.status, data };
  }

  // The access token lives ten minutes; on a 401 the refresh cookie (path
  // /api/v1/session) buys a new pair once, and the request is tried again.
  async function api(method, path, body) {
    const r = await call(method, path, body);
    if (r.status !== 401) return r;
    const refreshed = await call("POST", "/api/v1/session/refresh");
    return refreshed.status === 200 ? call(method, path, body) : r;
  }

  // One signature request per URL, shared by both ww.register callbacks.
  const signatures = new Map();
  function signature(url) {
    if (!signatures.has(url)) {
      signatures.set(url, api("POST", "/api/v1/jssdk/signature", { url }).then((r) => {
        if (r.status !== 200) throw new Error((r.data && r.data.message) || "signature failed: " + r.status);
        return r.data;
      }));
    }
    return signatures.get(url);
  }

  function loadJSSDK() {
    if (window.ww && window.ww.register) return Promise.resolve(window.ww);
    const src = document.body.dataset.jssdkSrc;
    if (!src) return Promise.resolve(null);
    return new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve(window.ww || null);
      s.onerror = () => resolve(null);
      document.head.appendChild(s);
    });
  }

  async function wireJSSDK(me) {
    let sig;
    try {
      sig = await signature(pageURL());
    } catch (e) {
      $("jssdk-status").textContent = "Signatures unavailable: " + e.message;
      return;
    }
    $("signature").textContent = JSON.stringify(sig, null, 2);
    const ww = await loadJSSDK();
    if (!ww) {
      $("jssdk-status").textContent = "@wecom/jssdk is not loaded; these are the signatures for this page:";
      return;
    }
    const pick = (part) => ({ timestamp: part.timestamp, nonceStr: part.nonceStr, signature: part.signature });
    ww.register({
      corpId: me.corp_id,
      agentId: sig.agentConfig.agentid,
      jsApiList: ["getContext"],
      getConfigSignature: async (url) => pick((await signature(url)).config),
      getAgentConfigSignature: async (url) => pick((await signature(url)).agentConfig),
    });
    $("jssdk-status").textContent = "ww.register called with the signatures below.";
  }

  // Administrators also see the installation (GET /api/v1/admin/tenant, admin-only).
  async function showAdministration() {
    const r = await api("GET", "/api/v1/admin/tenant");
    if (r.status !== 200) return;
    const t = r.data;
    $("agentid").textContent = t.agentid;
    $("corp_name").textContent = t.corp_name || t.corp_id;
    $("installed_at").textContent = new Date(t.installed_at).toLocaleString();
    const p = t.privilege || {};
    const n = (xs) => (xs || []).length;
    $("visible").textContent = n(p.allow_user) + " members, " + n(p.allow_party) + " departments, " + n(p.allow_tag) + " tags";
    const list = $("admins");
    list.replaceChildren(...(t.admins || []).map((a) => {
      const li = document.createElement("li");
      li.textContent = (a.userid || a.open_userid) + (a.auth_type === 1 ? " (manage)" : " (use)");
      return li;
    }));
    $("administration").hidden = false;
  }

  async function main() {
    const r = await api("GET", "/api/v1/me");
    if (r.status === 401) { $("signed-out").hidden = false; return; }
    if (r.status !== 200) { showError((r.data && r.data.message) || "Could not load your profile (" + r.status + ")."); return; }
    const me = r.data;
    $("me").hidden = false;
    $("name").textContent = me.name || me.userid || me.open_userid;
    $("corp").textContent = me.corp_id;
    $("userid").textContent = me.userid || "—";
    $("open_userid").textContent = me.open_userid || "—";
    if (me.avatar) { $("avatar").src = me.avatar; $("avatar").hidden = false; }
    const admin = $("admin");
    admin.textContent = me.is_admin
      ? "App administrator" + (me.admin_auth_type === 1 ? " (manage)" : " (use)")
      : "Member (not an app administrator)";
    if (me.is_admin) {
      admin.classList.add("admin");
      showAdministration().catch((e) => showError(e.message));
    }
    $("logout").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      await api("POST", "/api/v1/session/logout");
      location.reload();
    });
    await wireJSSDK(me);
  }

  main().catch((e) => showError(e.message));
})();
