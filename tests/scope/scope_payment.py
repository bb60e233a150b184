"""A small payment estate: public ALB -> payment-api (CDE) -> tokenizer (CDE) -> cards-db;
checkout calls payment-api; catalog and reports are isolated; a bastion forwards."""

from __future__ import annotations

from scope_estate import ALL_OUT, Estate, perm

VPC = "vpc-pay"


def payment_estate() -> Estate:
    e = Estate()
    e.vpc(VPC, "10.0.0.0/16")
    e.subnet("subnet-pub", VPC, "10.0.0.0/24")
    e.subnet("subnet-cde", VPC, "10.0.1.0/24")
    e.subnet("subnet-app", VPC, "10.0.2.0/24")
    e.subnet("subnet-data", VPC, "10.0.3.0/24")
    e.sg(
        "sg-alb",
        VPC,
        [perm("tcp", 443, cidrs=["0.0.0.0/0"])],
        [perm("tcp", 8443, sgs=["sg-payapi"])],
    )
    e.sg(
        "sg-payapi",
        VPC,
        [perm("tcp", 8443, sgs=["sg-alb", "sg-checkout"])],
        [
            perm("tcp", 8080, sgs=["sg-tokenizer"]),
            perm("tcp", 5432, sgs=["sg-cardsdb"]),
            perm("tcp", 443, cidrs=["0.0.0.0/0"]),
        ],
    )
    e.sg(
        "sg-tokenizer",
        VPC,
        [perm("tcp", 8080, sgs=["sg-payapi"])],
        [perm("tcp", 5432, sgs=["sg-cardsdb"])],
    )
    e.sg("sg-cardsdb", VPC, [perm("tcp", 5432, sgs=["sg-payapi", "sg-tokenizer"])], [])
    e.sg("sg-checkout", VPC, [perm("tcp", 8080, cidrs=["10.0.0.0/24"])], [ALL_OUT])
    e.sg("sg-catalog", VPC, [perm("tcp", 8080, cidrs=["10.0.0.0/24"])], [ALL_OUT])
    e.sg("sg-reports", VPC, [], [ALL_OUT])
    e.cluster("payments")
    e.cluster("storefront")
    e.role(
        "payment-task",
        [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"}],
    )
    e.role("tokenizer-task", [])
    e.role(
        "storefront-task",
        [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::storefront-assets/*",
            }
        ],
    )
    e.role("exec", [])
    db_secret = e.secret("payments/db")
    e.log_group("/ecs/payments")
    e.log_group("/ecs/storefront")
    pay_td = e.task_def(
        "payment-api",
        role="payment-task",
        exec_role="exec",
        secrets=[db_secret],
        log_group="/ecs/payments",
    )
    tok_td = e.task_def(
        "tokenizer", role="tokenizer-task", exec_role="exec", log_group="/ecs/payments"
    )
    chk_td = e.task_def(
        "checkout", role="storefront-task", exec_role="exec", log_group="/ecs/storefront"
    )
    cat_td = e.task_def(
        "catalog", role="storefront-task", exec_role="exec", log_group="/ecs/storefront"
    )
    rep_td = e.task_def(
        "reports", role="storefront-task", exec_role="exec", log_group="/ecs/storefront"
    )
    _lb, tg = e.alb("pay-alb", VPC, ["subnet-pub"], ["sg-alb"])
    e.service(
        "payment-api",
        "payments",
        pay_td,
        subnets=["subnet-cde"],
        sgs=["sg-payapi"],
        tgs=[tg["TargetGroupArn"]],
        tags={"pci:chd": "process,transmit"},
    )
    e.service(
        "tokenizer",
        "payments",
        tok_td,
        subnets=["subnet-cde"],
        sgs=["sg-tokenizer"],
        tags={"pci:chd": "process"},
    )
    e.service(
        "checkout",
        "storefront",
        chk_td,
        subnets=["subnet-app"],
        sgs=["sg-checkout"],
        tags={"pci:chd": "none"},
    )
    e.service(
        "catalog",
        "storefront",
        cat_td,
        subnets=["subnet-app"],
        sgs=["sg-catalog"],
        tags={"data-classification": "public"},
    )
    e.service(
        "reports",
        "storefront",
        rep_td,
        subnets=["subnet-app"],
        sgs=["sg-reports"],
        tags={"pci:chd": "none"},
    )
    e.rds("cards-db", VPC, ["subnet-data"], ["sg-cardsdb"], tags={"pci:chd": "store"})
    return e
