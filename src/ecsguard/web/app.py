"""FastAPI application: HTML pages and the JSON API under ``/api`` over one DashboardData."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ecsguard import __version__
from ecsguard.web import views
from ecsguard.web.data import DashboardData, FindingFilter
from ecsguard.web.security import COOKIE, middleware, session_value

HERE = Path(__file__).parent


def create_app(data: DashboardData, token: str | None = None) -> FastAPI:
    """The dashboard over ``data``; with ``token`` every page and API call needs it."""
    app = FastAPI(
        title="ecsguard dashboard API",
        version=__version__,
        docs_url=None,  # the interactive docs page loads assets from a CDN: not served
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every page, whatever the file name
    )
    templates = Jinja2Templates(env=env)
    templates.env.globals["version"] = __version__
    templates.env.filters["sev"] = views.severity_class
    app.middleware("http")(middleware(token))
    app.mount(
        "/static", StaticFiles(directory=str(HERE / "static"), follow_symlink=False), name="static"
    )

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"nav": name.split(".")[0], **context})

    def finding_filter(request: Request) -> FindingFilter:
        q = request.query_params
        return FindingFilter(
            severity=q.get("severity", ""),
            status=q.get("status", ""),
            check=q.get("check", ""),
            framework=q.get("framework", ""),
            requirement=q.get("requirement", ""),
            resource=q.get("resource", ""),
            cde_only=q.get("cde") in ("1", "true", "on"),
            q=q.get("q", ""),
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html", error="")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, password: str = Form("")) -> Response:
        if token and hmac.compare_digest(password, token):
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict")
            return response
        return page(request, "login.html", error="wrong token")

    # ---- pages -----------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        summary = data.summary()
        return page(
            request,
            "overview.html",
            summary=summary,
            trend=views.trend_svg(summary["runs"]),
            compliance=views.framework_rows(data),
        )

    @app.get("/findings", response_class=HTMLResponse, include_in_schema=False)
    def findings_page(request: Request) -> HTMLResponse:
        flt = finding_filter(request)
        rows = data.filter_findings(flt)
        return page(
            request,
            "findings.html",
            rows=rows[:2000],
            total=len(rows),
            flt=flt,
            facets=data.facets(),
        )

    @app.get("/findings/{finding_id}", response_class=HTMLResponse, include_in_schema=False)
    def finding_page(request: Request, finding_id: str) -> HTMLResponse:
        finding = data.finding(finding_id) or _missing("finding")
        return page(
            request, "finding.html", f=finding, evidence=views.pretty(finding.get("evidence"))
        )

    @app.get("/resources/{resource_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def resource_page(request: Request, resource_id: str) -> HTMLResponse:
        doc = views.resource_doc(data, resource_id) or _missing("resource")
        return page(request, "resource.html", r=doc, config=views.pretty(doc["configuration"]))

    @app.get("/scope", response_class=HTMLResponse, include_in_schema=False)
    def scope_page(request: Request) -> HTMLResponse:
        return page(request, "scope.html", scope=data.scope, counts=data.scope_counts())

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page(request: Request) -> HTMLResponse:
        q = request.query_params
        rows = data.filter_alerts(
            q.get("severity", ""), q.get("rule", ""), q.get("cluster", ""), q.get("q", "")
        )
        return page(
            request,
            "alerts.html",
            rows=rows[:2000],
            total=len(rows),
            timeline=views.timeline_svg(rows),
            params=dict(q),
            rules=sorted({a.get("rule_id", "") for a in data.alerts}),
            clusters=sorted(
                {(a.get("resource") or {}).get("cluster", "") for a in data.alerts} - {""}
            ),
        )

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
    def alert_page(request: Request, alert_id: str) -> HTMLResponse:
        alert = data.alert(alert_id) or _missing("alert")
        return page(request, "alert.html", a=alert, tree=views.process_tree(alert))

    @app.get("/compliance", response_class=HTMLResponse, include_in_schema=False)
    def compliance_page(request: Request, framework: str = "") -> HTMLResponse:
        rows = views.framework_rows(data)
        chosen = framework or (rows[0]["id"] if rows else "")
        requirements = views.requirement_rows(data, chosen) if chosen else []
        return page(
            request,
            "compliance.html",
            frameworks=rows,
            chosen=chosen,
            requirements=requirements,
            has_pack=chosen in data.evidence_packs,
        )

    @app.get("/compliance/{framework}/evidence.html", include_in_schema=False)
    def evidence_pack(framework: str) -> Response:
        html = data.evidence_packs.get(framework) or _missing("evidence pack")
        return HTMLResponse(
            html,
            headers={"Content-Disposition": f'attachment; filename="evidence-{framework}.html"'},
        )

    # ---- API -------------------------------------------------------------------
    @app.get("/api/summary")
    def api_summary() -> dict[str, Any]:
        return data.summary()

    @app.get("/api/findings")
    def api_findings(request: Request, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
        rows = data.filter_findings(finding_filter(request))
        return {"total": len(rows), "results": rows[offset : offset + min(limit, 10000)]}

    @app.get("/api/findings/{finding_id}")
    def api_finding(finding_id: str) -> dict[str, Any]:
        return data.finding(finding_id) or _missing("finding")

    @app.get("/api/resources/{resource_id:path}")
    def api_resource(resource_id: str) -> dict[str, Any]:
        return views.resource_doc(data, resource_id) or _missing("resource")

    @app.get("/api/scope")
    def api_scope() -> JSONResponse:
        if not data.scope:
            return JSONResponse({"components": [], "edges": [], "events": [], "layout": {}})
        return JSONResponse({**data.scope, "layout": views.scope_layout(data.scope)})

    @app.get("/api/alerts")
    def api_alerts(
        severity: str = "", rule: str = "", cluster: str = "", q: str = ""
    ) -> dict[str, Any]:
        rows = data.filter_alerts(severity, rule, cluster, q)
        return {"total": len(rows), "alerts": rows[:10000]}

    @app.get("/api/alerts/{alert_id}")
    def api_alert(alert_id: str) -> dict[str, Any]:
        alert = data.alert(alert_id) or _missing("alert")
        return {**alert, "tree": views.process_tree(alert)}

    @app.get("/api/compliance/{framework}")
    def api_compliance(framework: str) -> dict[str, Any]:
        rows = views.requirement_rows(data, framework)
        if not rows:
            _missing("framework")
        return {"framework": framework, "requirements": rows}

    @app.get("/api/runs")
    def api_runs() -> list[dict[str, Any]]:
        return data.runs

    return app


def _missing(what: str) -> Any:
    raise HTTPException(status_code=404, detail=f"no such {what}")
