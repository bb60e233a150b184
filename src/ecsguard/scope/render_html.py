"""Self-contained HTML scope report: an interactive graph (pan, zoom, colour by category,
click a node for its reasons and paths), the component table and the drift events.

Every string from the estate is escaped: the table with ``html.escape``, the graph and the
side panel through ``textContent`` from JSON whose ``<``, ``>`` and ``&`` are \\u-escaped."""

from __future__ import annotations

import html
from typing import Any

import orjson

from ecsguard.scope.diagram import COLOURS, diagram
from ecsguard.scope.text import plain

ORDER = ("cde", "connected-to", "security-impacting", "undetermined", "out-of-scope")


def _json(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _edge(e: dict[str, Any]) -> dict[str, Any]:
    keep = {"from": e["from"], "to": e["to"], "type": e["type"], "ports": e.get("ports", "")}
    return {**keep, "card": bool(e.get("card")), "evidence": e.get("evidence", [])}


def render_html(report: dict[str, Any], generated: str = "") -> str:
    nodes, edges = diagram(report)
    data = {
        "nodes": [
            {k: n[k] for k in ("id", "name", "kind", "category", "reasons", "flags")} for n in nodes
        ],
        "edges": [
            {
                "from": e["from"],
                "to": e["to"],
                "type": e["type"],
                "ports": e.get("ports", ""),
                "card": bool(e.get("card")),
                "evidence": e.get("evidence", []),
            }
            for e in edges
        ],
        "colours": COLOURS,
    }
    e = html.escape
    rows = []
    for comp in sorted(
        report["components"], key=lambda c: (ORDER.index(c["category"]), c["kind"], c["name"])
    ):
        if comp["kind"] == "task":
            continue
        r = comp["reasons"][0] if comp["reasons"] else {"rule": "", "code": "", "text": ""}
        rows.append(f'<tr class="{e(comp["category"])}"><td>{e(comp["category"])}</td><td>{e(plain(comp["kind"]))}</td><td title="{e(plain(comp["id"]))}">{e(plain(comp["name"]))}</td>'
                    f'<td>{e(r["rule"])} {e(plain(r["code"]))}: {e(plain(r["text"]))}</td><td>{e(", ".join(comp["flags"]))}</td></tr>')  # fmt: skip
    events = (
        "".join(
            f"<li><b>{e(ev['type'])}</b> {e(plain(ev['text']))}</li>"
            for ev in report.get("events", [])
        )
        or "<li>none</li>"
    )
    summary = " · ".join(f"{e(k)}: {report.get('summary', {}).get(k, 0)}" for k in ORDER)
    legend = "".join(
        f'<span class="chip" style="background:{c}">{e(k)}</span>' for k, c in COLOURS.items()
    )
    return TEMPLATE.format(
        generated=e(generated),
        summary=summary,
        legend=legend,
        rows="".join(rows),
        events=events,
        data=_json(data),
    )


TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ecsguard PCI DSS scope</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>
body{{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222}} header{{padding:8px 16px;background:#2c3e50;color:#fff}}
#wrap{{display:flex;height:70vh}} #graph{{flex:1;border-bottom:1px solid #ccc;cursor:grab}} #panel{{width:360px;overflow:auto;padding:8px;border-left:1px solid #ccc;font-size:13px}}
.chip{{display:inline-block;padding:2px 8px;margin-right:4px;border:1px solid #999;border-radius:8px;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:13px}} td{{border-bottom:1px solid #eee;padding:3px 6px;vertical-align:top}}
section{{padding:8px 16px}} text{{pointer-events:none}} .sel circle{{stroke:#000;stroke-width:3px}}
</style></head><body>
<header><b>ecsguard PCI DSS scope</b> {generated} — {summary}<br>{legend}</header>
<div id="wrap"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg><div id="panel"><p>Click a node for its reasons and paths. Drag to pan, wheel to zoom.</p></div></div>
<section><h3>Events</h3><ul id="events">{events}</ul></section>
<section><h3>Components</h3><table><thead><tr><th>category</th><th>kind</th><th>name</th><th>first reason</th><th>flags</th></tr></thead><tbody>{rows}</tbody></table></section>
<script type="application/json" id="scope-data">{data}</script>
<script>
(function(){{
const D=JSON.parse(document.getElementById('scope-data').textContent);
const NS='http://www.w3.org/2000/svg', svg=document.getElementById('graph'), panel=document.getElementById('panel');
const W=1200,H=800; let vb=[0,0,W,H]; const setVB=()=>svg.setAttribute('viewBox',vb.join(' ')); setVB();
const idx={{}}; D.nodes.forEach((n,i)=>{{idx[n.id]=i; const a=2*Math.PI*i/Math.max(1,D.nodes.length); const r=n.category==='cde'?120:320;
  n.x=W/2+r*Math.cos(a)+Math.random()*10; n.y=H/2+r*Math.sin(a)+Math.random()*10;}});
const E=D.edges.filter(e=>e.from in idx && e.to in idx);
const N=D.nodes.length, IT=N>1500?0:N>300?40:300;
if(N>1500){{const c=Math.ceil(Math.sqrt(N));D.nodes.forEach((n,i)=>{{n.x=(i%c)*40;n.y=Math.floor(i/c)*40;}});vb=[0,0,c*40,c*40];setVB();}}
for(let it=0;it<IT;it++){{ // small force layout: repulsion, springs, gravity
  for(const a of D.nodes){{a.fx=(W/2-a.x)*0.03;a.fy=(H/2-a.y)*0.03;}}
  for(let i=0;i<D.nodes.length;i++)for(let j=i+1;j<D.nodes.length;j++){{const a=D.nodes[i],b=D.nodes[j];
    let dx=a.x-b.x,dy=a.y-b.y,d2=dx*dx+dy*dy+0.01,f=2000/d2;a.fx+=dx*f;a.fy+=dy*f;b.fx-=dx*f;b.fy-=dy*f;}}
  for(const e of E){{const a=D.nodes[idx[e.from]],b=D.nodes[idx[e.to]];const dx=b.x-a.x,dy=b.y-a.y;a.fx+=dx*0.01;a.fy+=dy*0.01;b.fx-=dx*0.01;b.fy-=dy*0.01;}}
  for(const a of D.nodes){{a.x+=Math.max(-20,Math.min(20,a.fx));a.y+=Math.max(-20,Math.min(20,a.fy));}}
}}
if(N){{const xs=D.nodes.map(n=>n.x), ys=D.nodes.map(n=>n.y); const x0=Math.min(...xs)-60, y0=Math.min(...ys)-40;
  vb=[x0,y0,Math.max(...xs)-x0+200,Math.max(...ys)-y0+80]; setVB();}} // fit the drawing
const K=Math.max(1,vb[2]/1200); // keep nodes and labels readable at any spread
const el=(t,at)=>{{const x=document.createElementNS(NS,t);for(const k in at)x.setAttribute(k,at[k]);return x;}};
const defs=el('defs',{{}}); const mk=el('marker',{{id:'arr',viewBox:'0 0 10 10',refX:'18',refY:'5',markerWidth:'6',markerHeight:'6',orient:'auto'}});
mk.appendChild(el('path',{{d:'M0,0L10,5L0,10z',fill:'#555'}})); defs.appendChild(mk); svg.appendChild(defs);
const g=el('g',{{}}); svg.appendChild(g);
for(const e of E){{const a=D.nodes[idx[e.from]],b=D.nodes[idx[e.to]];
  const ln=el('line',{{x1:a.x,y1:a.y,x2:b.x,y2:b.y,stroke:e.card?'#c0392b':e.type==='flow'?'#8e44ad':e.type==='forwards'?'#2e86c1':'#999','stroke-width':e.card?3:1.2,'marker-end':'url(#arr)'}});
  if(e.type==='public_entry')ln.setAttribute('stroke-dasharray','4 3'); const t=el('title',{{}}); t.textContent=e.type+' '+e.ports; ln.appendChild(t); g.appendChild(ln);}}
const groups=[];
D.nodes.forEach(n=>{{const ng=el('g',{{transform:'translate('+n.x+','+n.y+')'}}); ng.style.cursor='pointer';
  ng.appendChild(el('circle',{{r:(n.category==='cde'?11:8)*K,fill:D.colours[n.category]||'#fff',stroke:'#333'}}));
  const tx=el('text',{{x:12*K,y:4*K,'font-size':11*K}}); tx.textContent=n.name; ng.appendChild(tx);
  ng.addEventListener('click',ev=>{{ev.stopPropagation();show(n);groups.forEach(x=>x.classList.remove('sel'));ng.classList.add('sel');}});
  g.appendChild(ng); groups.push(ng);}});
function add(parent,tag,text){{const x=document.createElement(tag);x.textContent=text;parent.appendChild(x);return x;}}
function show(n){{panel.replaceChildren(); add(panel,'h3',n.name); add(panel,'div',n.kind+' · '+n.category); add(panel,'div','id: '+n.id);
  if(n.flags.length)add(panel,'div','flags: '+n.flags.join(', '));
  const ul=add(panel,'ul','');
  for(const r of n.reasons){{const li=add(ul,'li',''); add(li,'b',r.rule+' '+r.code+': '); add(li,'span',r.text);
    if(r.path.length)add(li,'div','path: '+r.path.map(p=>(p in idx?D.nodes[idx[p]].name:p)).join(' → '));
    if(r.evidence.length)add(li,'div','evidence: '+r.evidence.join(', '));}}
  const links=E.filter(e=>e.from===n.id||e.to===n.id); if(links.length){{add(panel,'h4','connections'); const u2=add(panel,'ul','');
    for(const e of links)add(u2,'li',e.type+': '+(D.nodes[idx[e.from]].name)+' → '+(D.nodes[idx[e.to]].name)+' '+e.ports+(e.evidence.length?' ['+e.evidence.join(', ')+']':''));}}
}}
let drag=null; svg.addEventListener('mousedown',ev=>{{drag=[ev.clientX,ev.clientY];}}); window.addEventListener('mouseup',()=>{{drag=null;}});
svg.addEventListener('mousemove',ev=>{{if(!drag)return; const s=vb[2]/svg.clientWidth; vb[0]-=(ev.clientX-drag[0])*s; vb[1]-=(ev.clientY-drag[1])*s; drag=[ev.clientX,ev.clientY]; setVB();}});
svg.addEventListener('wheel',ev=>{{ev.preventDefault(); const k=ev.deltaY>0?1.1:0.9; const cx=vb[0]+vb[2]/2, cy=vb[1]+vb[3]/2; vb[2]*=k; vb[3]*=k; vb[0]=cx-vb[2]/2; vb[1]=cy-vb[3]/2; setVB();}},{{passive:false}});
}})();
</script></body></html>
"""
