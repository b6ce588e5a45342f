-- Non-acceptance (cancel) reasons can be retired (kept for the history that cites them,
-- no longer offered), and a fresh install ships a default list so a request can be
-- cancelled on day one (docs/RULES.md, "Non-acceptance reasons"). An install that already
-- has its own list keeps it.
ALTER TABLE cancel_reasons ADD COLUMN retired_at BIGINT;

INSERT INTO cancel_reasons (code, label)
SELECT d.code, d.label FROM (
    SELECT 'harassment' AS code, '恶意骚扰或无理诉求' AS label
    UNION ALL SELECT 'no_content', '无实质内容(空线、无声、误拨)'
    UNION ALL SELECT 'outside_area', '不属于本行政区域'
    UNION ALL SELECT 'legal_procedure', '已进入或应通过诉讼、仲裁、复议等法定途径解决'
    UNION ALL SELECT 'petition_channel', '属于信访、纪检监察等专门渠道受理的事项'
    UNION ALL SELECT 'secrets', '涉及国家秘密、商业秘密或他人隐私'
    UNION ALL SELECT 'withdrawn', '诉求人撤回诉求'
) d
WHERE NOT EXISTS (SELECT 1 FROM cancel_reasons);
