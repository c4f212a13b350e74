"""The benchmark's Flask peer (scripts/bench): the tweets endpoints as the Flask-on-Docker
course stacks write them (Flask + Flask-SQLAlchemy on psycopg2, served by gunicorn sync
workers), over the same `tweets` table that `anyport migrate` creates. It answers the same
JSON as anyport so that both do the same work per request.

    DATABASE_URL=postgresql://… gunicorn -w 5 -b 127.0.0.1:8082 app:app
"""

import base64
import os
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
db = SQLAlchemy(app)


class Tweet(db.Model):
    __tablename__ = "tweets"
    id = db.Column(db.BigInteger, primary_key=True)
    text = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False)

    def to_json(self):
        return {
            "id": self.id,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/api/v1/tweets/<int:tweet_id>")
def get_tweet(tweet_id):
    tweet = db.session.get(Tweet, tweet_id)
    if tweet is None:
        abort(404)
    return jsonify(tweet.to_json())


@app.get("/api/v1/tweets")
def list_tweets():
    limit = max(1, min(request.args.get("limit", 20, type=int), 100))
    rows = Tweet.query.order_by(Tweet.id.desc()).limit(limit + 1).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(f"id:{rows[-1].id}".encode()).decode().rstrip("=")
    return jsonify({"items": [t.to_json() for t in rows], "next_cursor": next_cursor})


@app.post("/api/v1/tweets")
def create_tweet():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        abort(422)
    text = body["text"].strip()
    if not 1 <= len(text) <= 280:
        abort(422)
    now = datetime.now(timezone.utc)
    tweet = Tweet(text=text, created_at=now, updated_at=now)
    db.session.add(tweet)
    db.session.commit()
    return jsonify(tweet.to_json()), 201
